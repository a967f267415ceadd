"""GANDistributedDataParallel with two CPU processes (gloo): gradients of G.mapping,
G.synthesis and D are all-reduced through R1, path length, style mixing and augmentation, so
processes that see different data keep identical weights."""
from __future__ import annotations

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmdsgan.models.gan.ddp_wrapper import GANDistributedDataParallel
from mmdsgan.models.gan.optim_constructor import GANOptimWrapperConstructor
from mmdsgan.models.gan.stylegan2_gan import StyleGAN2GAN
from tiny_models import tiny_generator_kwargs

TINY_G = tiny_generator_kwargs()  # 16 px, 2 mapping layers, <= 16 channels
ADAM = dict(optimizer=dict(type='Adam', lr=0.01, betas=(0.0, 0.99)))


def _train_two_steps(rank: int, init_file: str, wrap_modules: tuple, results) -> None:
    from mmengine.registry import DefaultScope
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    try:
        torch.manual_seed(0)  # the same initial weights in both processes
        with DefaultScope.overwrite_default_scope('mmseg'):
            model = StyleGAN2GAN(generator=dict(TINY_G),
                                 discriminator=dict(channel_base=256, channel_max=16),
                                 r1_interval=1, pl_weight=1.0, pl_interval=1,
                                 augment=dict(type='DiffAugment'))
        wrapped = GANDistributedDataParallel(model, wrap_modules=wrap_modules).train()
        optim = GANOptimWrapperConstructor(dict(generator=dict(ADAM),
                                                discriminator=dict(ADAM)))(wrapped)
        torch.manual_seed(100 + rank)  # different data, latents and noise per process
        for _ in range(2):
            batch = [torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8) for _ in range(4)]
            wrapped.train_step(dict(inputs=batch), optim)
        weights = torch.cat([p.detach().flatten() for p in model.generator_ema.parameters()] +
                            [p.detach().flatten() for p in model.discriminator.parameters()])
        gathered = [torch.zeros_like(weights) for _ in range(2)]
        dist.all_gather(gathered, weights)
        if rank == 0:
            results.put((bool(torch.allclose(gathered[0], gathered[1], atol=1e-6)),
                         int(model.num_images)))
    finally:
        dist.destroy_process_group()


def _run(tmp_path, wrap_modules):
    # fork: the children inherit the imported modules (a spawn re-imports mmseg: ~10 s).
    ctx = mp.get_context('fork')
    results = ctx.SimpleQueue()
    mp.start_processes(_train_two_steps, args=(str(tmp_path / 'pg'), wrap_modules, results),
                       nprocs=2, start_method='fork')
    return results.get()


def test_two_processes_stay_in_sync(tmp_path):
    in_sync, num_images = _run(tmp_path, ('generator.mapping', 'generator.synthesis',
                                          'discriminator'))
    assert in_sync
    assert num_images == 2 * 4 * 2  # the EMA counts the images of both processes


def test_without_generator_wrapping_they_drift(tmp_path):
    in_sync, _ = _run(tmp_path, ('discriminator',))
    assert not in_sync
