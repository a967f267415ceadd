"""The generator checkpoint reader is bounded (shared or cyclic containers, absurd architecture
values) and a broken interpreter checkpoint is named in one clear error.

Every refusal must come fast and without memory growth: the hostile files below are a few hundred
bytes, but today's reader would expand them exponentially, recurse until RecursionError, or try to
allocate terabytes.
"""
from __future__ import annotations

import copy
import resource
import time

import pytest
import torch

from mmdsgan.models.generators import GeneratorLoadError, load_generator, save_generator
from test_generator_formats import FakeNvidiaModules, NvidiaPickler

LEVELS = 60  # a fully expanded DAG of 60 levels has 2**60 leaves


def shared_dag(levels: int = LEVELS) -> list:
    """L0 = [0]; L_k = [L_{k-1}, L_{k-1}]: ``levels`` lists in memory and in the pickle (memo),
    2**levels leaves once expanded."""
    node: list = [0]
    for _ in range(levels):
        node = [node, node]
    return node


def self_referencing() -> list:
    node: list = [1, 2]
    node.append(node)
    return node


def nested_chain(depth: int) -> list:
    node: list = [0]
    for _ in range(depth):
        node = [node]
    return node


def write_nvidia(path, G, **extra) -> None:
    """A bare NVIDIA Generator pickle of G whose ``_init_kwargs`` get ``extra`` keys; a key
    named like a top-level or nested kwarg (``img_resolution``, ``mapping_kwargs``) replaces it."""
    with FakeNvidiaModules() as fake:
        E, kw = fake.EasyDict, G.init_kwargs
        g_kwargs = E(z_dim=kw['z_dim'], w_dim=kw['w_dim'], mapping_kwargs=E(kw['mapping_kwargs']),
                     synthesis_kwargs=E(kw['synthesis_kwargs'], num_fp16_res=0),
                     c_dim=kw['c_dim'], img_resolution=kw['img_resolution'],
                     img_channels=kw['img_channels'])
        g_kwargs.update(extra)
        with open(path, 'wb') as f:
            NvidiaPickler(f, fake, {id(G): g_kwargs}, 'raise SystemExit\n').dump(G)


def write_ours(path, G, top: dict | None = None, mapping: dict | None = None,
               synthesis: dict | None = None) -> None:
    """G in the project's format with ``init_kwargs`` changed (top-level / nested keys)."""
    save_generator(G, path)
    payload = torch.load(path, weights_only=True)
    kw = payload['init_kwargs']
    kw.update(top or {})
    kw['mapping_kwargs'].update(mapping or {})
    kw['synthesis_kwargs'].update(synthesis or {})
    torch.save(payload, path)


class Bounded:
    """Asserts that the block ran in under ``seconds`` and grew the peak RSS by < ``mb`` MB."""

    def __init__(self, seconds: float = 2.0, mb: float = 200.0) -> None:
        self.seconds, self.mb = seconds, mb

    def __enter__(self):
        self.rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        elapsed = time.perf_counter() - self.t0
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.rss) / 1024
        assert elapsed < self.seconds, f'took {elapsed:.2f} s'
        assert grown_mb < self.mb, f'peak RSS grew by {grown_mb:.0f} MB'
        return False


# ---------------------------------------------------------------- shared and cyclic containers
def test_shared_reference_dag_in_nvidia_pickle_is_refused_fast(tmp_path, make_generator):
    path = tmp_path / 'dag.pkl'
    # 20 levels (2**20 elements) pass the pickle pre-scan (mmdsgan.utils.pickle_scan, which
    # refuses 60 levels before unpickling, as in the next test): plain() bounds the rest.
    write_nvidia(path, make_generator(), layer_tricks=shared_dag(20))
    with Bounded(), pytest.raises(GeneratorLoadError, match=r'dag\.pkl.*more than 100000 '
                                                            r'elements'):
        load_generator(path)


def test_shared_reference_dag_in_project_format_is_refused_fast(tmp_path, make_generator):
    path = tmp_path / 'dag.pth'
    write_ours(path, make_generator(), synthesis=dict(resample_filter=shared_dag()))
    with Bounded(), pytest.raises(GeneratorLoadError, match=r'dag\.pth.*more than \d+ '
                                                            r'elements'):
        load_generator(path)


@pytest.mark.parametrize('fmt', ['nvidia', 'mmdsgan'])
def test_self_referencing_list_is_refused(tmp_path, make_generator, fmt):
    G = make_generator()
    path = tmp_path / f'loop.{fmt}'
    if fmt == 'nvidia':
        write_nvidia(path, G, mapping_kwargs=self_referencing())
    else:
        write_ours(path, G, mapping=dict(embed_features=self_referencing()))
    with Bounded(), pytest.raises(GeneratorLoadError, match=rf'loop\.{fmt}.*refers to itself'):
        load_generator(path)


def test_rosinality_entries_must_be_tensors(tmp_path, make_generator):
    from test_generator_formats import rosinality_g_ema, rosinality_generator

    g_ema = rosinality_g_ema(rosinality_generator(make_generator))
    g_ema['style.1.weight'] = self_referencing()
    torch.save({'g_ema': g_ema}, tmp_path / 'odd.pt')
    with Bounded(), pytest.raises(GeneratorLoadError,
                                  match=r"odd\.pt: g_ema maps 'style\.1\.weight' to a list"):
        load_generator(tmp_path / 'odd.pt')


def test_deep_nesting_is_refused(tmp_path, make_generator):
    path = tmp_path / 'deep.pkl'
    write_nvidia(path, make_generator(), extra=nested_chain(200))
    with Bounded(), pytest.raises(GeneratorLoadError,
                                  match=r'deep\.pkl.*nested deeper than 64 levels'):
        load_generator(path)


def test_shared_but_small_values_still_load(tmp_path, make_generator):
    """Sharing itself is fine (pickle memoises equal objects): only the expanded size counts."""
    G = make_generator()
    taps = [1.0, 3.0, 3.0, 1.0]
    path = tmp_path / 'shared.pkl'
    with FakeNvidiaModules() as fake:
        E, kw = fake.EasyDict, G.init_kwargs
        synthesis = E(kw['synthesis_kwargs'], resample_filter=taps)
        g_kwargs = E(z_dim=kw['z_dim'], w_dim=kw['w_dim'], c_dim=kw['c_dim'],
                     img_resolution=kw['img_resolution'], img_channels=kw['img_channels'],
                     mapping_kwargs=E(kw['mapping_kwargs']), synthesis_kwargs=synthesis,
                     same_taps_again=taps)
        with open(path, 'wb') as f:
            NvidiaPickler(f, fake, {id(G): g_kwargs}, 'raise SystemExit\n').dump(G)
    with pytest.raises(GeneratorLoadError, match='unsupported key .same_taps_again'):
        load_generator(path)  # reached the architecture, i.e. the sharing was accepted


# ---------------------------------------------------------------- architecture values
@pytest.mark.parametrize('where,key,value,allowed', [
    ('top', 'img_resolution', 2 ** 20, 'a power of two from 4 to 4096'),
    ('top', 'img_resolution', 0, 'a power of two from 4 to 4096'),
    ('top', 'img_resolution', -16, 'a power of two from 4 to 4096'),
    ('top', 'img_resolution', 48, 'a power of two from 4 to 4096'),
    ('top', 'z_dim', 10 ** 9, 'an integer from 0 to 4096'),
    ('top', 'w_dim', 0, 'an integer from 1 to 4096'),
    ('top', 'c_dim', -1, 'an integer from 0 to 10000'),
    ('top', 'img_channels', 7, 'one of 1, 3, 4'),
    ('mapping', 'num_layers', 10 ** 6, 'an integer from 1 to 32'),
    ('synthesis', 'channel_max', 2 ** 30, 'an integer from 1 to 4096'),
    ('synthesis', 'channel_base', -5, 'an integer from 1 to 1048576'),
])
def test_absurd_architecture_values_are_refused_before_allocating(
        tmp_path, make_generator, where, key, value, allowed):
    path = tmp_path / 'absurd.pth'
    write_ours(path, make_generator(), **{where: {key: value}})
    with Bounded(), pytest.raises(GeneratorLoadError) as info:
        load_generator(path)
    message = str(info.value)
    assert 'absurd.pth' in message and f'{key}={value!r}' in message and allowed in message


def test_absurd_resolution_in_nvidia_pickle(tmp_path, make_generator):
    path = tmp_path / 'huge.pkl'
    write_nvidia(path, make_generator(), img_resolution=2 ** 20)
    with Bounded(), pytest.raises(GeneratorLoadError,
                                  match=r'huge\.pkl.*img_resolution=1048576.*power of two'):
        load_generator(path)


def test_each_value_sane_but_the_whole_too_big(tmp_path, make_generator):
    """4096 channels at every resolution up to 1024 px: billions of parameters."""
    path = tmp_path / 'wide.pth'
    write_ours(path, make_generator(), top=dict(img_resolution=1024),
               synthesis=dict(channel_base=2 ** 20, channel_max=4096))
    with Bounded(), pytest.raises(GeneratorLoadError, match=r'wide\.pth.*parameters'):
        load_generator(path)


def test_real_architectures_pass_the_check():
    from mmdsgan.models.generators.loading import check_init_kwargs

    config_f = dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                    mapping_kwargs=dict(num_layers=8),
                    synthesis_kwargs=dict(channel_base=32768, channel_max=512, num_fp16_res=4,
                                          conv_clamp=256))
    cifar = copy.deepcopy(config_f)  # stylegan2-ada --cfg=cifar --cond=1
    cifar.update(c_dim=10, img_resolution=32, mapping_kwargs=dict(num_layers=2))
    toy = dict(z_dim=128, c_dim=0, w_dim=128, img_resolution=64, img_channels=3,
               mapping_kwargs=dict(num_layers=2),
               synthesis_kwargs=dict(channel_base=16384, channel_max=32))
    gray = copy.deepcopy(config_f)
    gray.update(img_channels=1, img_resolution=256, c_dim=1000)
    gray['synthesis_kwargs'].update(channel_base=16384, resample_filter=[1, 3, 3, 1])
    for kwargs in (config_f, cifar, toy, gray):
        check_init_kwargs(kwargs, 'real.pkl')


# ---------------------------------------------------------------- interpreter checkpoints
@pytest.fixture(scope='module')
def interpreter_cfg(toy_interpreter):
    from mmdsgan.utils.config import load_config

    return load_config(toy_interpreter['config'], toy_interpreter['cfg_options'])


@pytest.mark.parametrize('content', ['empty', 'first_100_bytes', 'half', 'text'])
def test_broken_interpreter_checkpoint_is_named(tmp_path, toy_interpreter, interpreter_cfg,
                                                content):
    from mmdsgan.models.labeling import build_interpreter

    real = open(toy_interpreter['checkpoint'], 'rb').read()
    data = dict(empty=b'', first_100_bytes=real[:100], half=real[:len(real) // 2],
                text=b'iter_1000.pth\n')[content]
    path = tmp_path / f'{content}.pth'
    path.write_bytes(data)
    with pytest.raises(Exception) as info:
        build_interpreter(interpreter_cfg, str(path))
    # today: a bare EOFError / RuntimeError / KeyError that names no file
    assert isinstance(info.value, ValueError), repr(info.value)
    assert type(info.value).__name__ == 'UnreadableCheckpointError'
    info.match(rf'interpreter checkpoint .*{content}\.pth is empty, truncated or not a torch '
               rf'checkpoint \(.+\): pass the \.pth that tools/train\.py wrote')


def test_missing_and_valid_interpreter_checkpoints(tmp_path, toy_interpreter, interpreter_cfg):
    from mmdsgan.models.labeling import build_interpreter

    with pytest.raises(FileNotFoundError, match=r'nothere\.pth'):
        build_interpreter(interpreter_cfg, str(tmp_path / 'nothere.pth'))
    model = build_interpreter(interpreter_cfg, toy_interpreter['checkpoint'])
    saved = torch.load(toy_interpreter['checkpoint'], weights_only=True)['state_dict']
    assert not model.training
    assert all(torch.equal(model.state_dict()[k], v) for k, v in saved.items())
    # a torch file of the wrong model still fails in strict loading, as before
    torch.save({'state_dict': {'head.nothing': torch.zeros(1)}}, tmp_path / 'other.pth')
    with pytest.raises(RuntimeError, match='nothing'):
        build_interpreter(interpreter_cfg, str(tmp_path / 'other.pth'))
