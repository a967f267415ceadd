"""Generator files: NVIDIA pickles in their real on-disk structure, rosinality checkpoints, the
project's format, conversion, and refusal of anything that would run code."""
from __future__ import annotations

import argparse
import collections
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

from mmdsgan.models.generators import (FORMAT_NAME, Generator, GeneratorLoadError,
                                       UnsafeCheckpointError, estimate_w_avg, load_generator,
                                       read_generator_checkpoint, save_generator, to_rosinality)

FIR = torch.outer(torch.tensor([1., 3, 3, 1]), torch.tensor([1., 3, 3, 1])) / 64

# Globals a real stylegan2-ada snapshot references (shared/reference/stylegan2-checkpoints.md).
NVIDIA_GLOBALS = {
    'collections.OrderedDict', 'dnnlib.util.EasyDict', 'numpy.dtype',
    'numpy._core.multiarray.scalar', 'numpy.core.multiarray.scalar',
    'torch._utils._rebuild_parameter', 'torch._utils._rebuild_tensor_v2',
    'torch.storage._load_from_bytes', 'torch_utils.persistence._reconstruct_persistent_obj'}


def outputs(G: Generator, seed: int = 5) -> torch.Tensor:
    z = torch.randn(2, G.z_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return G(z, truncation_psi=0.7)


# ---------------------------------------------------------------- NVIDIA pickles, faithfully
class FakeNvidiaModules:
    """Installs stand-ins for ``torch_utils.persistence`` and ``dnnlib.util`` so that pickling
    records NVIDIA's global names; removed again on exit (loading must not need them)."""

    NAMES = ('torch_utils', 'torch_utils.persistence', 'dnnlib', 'dnnlib.util', 'dnnlib.tflib',
             'dnnlib.tflib.network')

    def __enter__(self):
        mods = {name: types.ModuleType(name) for name in self.NAMES}

        def _reconstruct_persistent_obj(meta):
            raise AssertionError('the loader must not call NVIDIA code')

        _reconstruct_persistent_obj.__module__ = 'torch_utils.persistence'
        _reconstruct_persistent_obj.__qualname__ = '_reconstruct_persistent_obj'
        mods['torch_utils.persistence']._reconstruct_persistent_obj = _reconstruct_persistent_obj

        class EasyDict(dict):
            def __getattr__(self, name):
                try:
                    return self[name]
                except KeyError:
                    raise AttributeError(name) from None

            def __setattr__(self, name, value):
                self[name] = value

        class Network:  # dnnlib.tflib.network.Network, pickled through __getstate__
            def __init__(self, state):
                self.__dict__['_state'] = state

            def __getstate__(self):
                return self._state

        for cls, module in ((EasyDict, 'dnnlib.util'), (Network, 'dnnlib.tflib.network')):
            cls.__module__, cls.__qualname__ = module, cls.__name__
            setattr(mods[module], cls.__name__, cls)
        sys.modules.update(mods)
        self.persistence = mods['torch_utils.persistence']
        self.EasyDict, self.Network = EasyDict, Network
        return self

    def __exit__(self, *exc):
        for name in self.NAMES:
            sys.modules.pop(name, None)


class NvidiaPickler(pickle.Pickler):
    """Pickles every nn.Module as NVIDIA's persistence decorator does:
    ``_reconstruct_persistent_obj({'type': 'class', 'version': 6, 'module_src', 'class_name',
    'state': module __dict__})``."""

    def __init__(self, file, fake: FakeNvidiaModules, init_kwargs: dict[int, dict], module_src):
        super().__init__(file, protocol=4)
        self.fake, self.init_kwargs, self.module_src = fake, init_kwargs, module_src

    def reducer_override(self, obj):
        if not isinstance(obj, nn.Module):
            return NotImplemented
        state = dict(
            training=obj.training,
            _parameters=collections.OrderedDict(obj._parameters),
            _buffers=collections.OrderedDict(obj._buffers),
            _non_persistent_buffers_set=set(obj._non_persistent_buffers_set),
            _modules=collections.OrderedDict(obj._modules),
            _forward_hooks=collections.OrderedDict(), _forward_pre_hooks=collections.OrderedDict(),
            _init_args=(), _init_kwargs=self.init_kwargs.get(id(obj), self.fake.EasyDict()),
            act_gain=np.sqrt(2), activation='lrelu', padding=1)
        meta = dict(type='class', version=6, module_src=self.module_src,
                    class_name=type(obj).__name__, state=state)
        return self.fake.persistence._reconstruct_persistent_obj, (meta,)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)


class AugmentPipe(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('p', torch.zeros([]))


def write_nvidia_pickle(path, G: Generator, marker, layout: str = 'ada', snapshot: bool = True):
    """An NVIDIA training snapshot of G (as G_ema) with real on-disk structure. Executing its
    ``module_src`` would create ``marker``."""
    module_src = f'open({str(marker)!r}, "w").write("NVIDIA source was executed")\n'
    with FakeNvidiaModules() as fake:
        E = fake.EasyDict
        kw = G.init_kwargs
        synthesis = E(kw['synthesis_kwargs'], num_fp16_res=4)
        if layout == 'ada':
            g_kwargs = E(z_dim=kw['z_dim'], w_dim=kw['w_dim'],
                         mapping_kwargs=E(kw['mapping_kwargs']), synthesis_kwargs=synthesis,
                         c_dim=kw['c_dim'], img_resolution=kw['img_resolution'],
                         img_channels=kw['img_channels'])
        else:  # stylegan3's networks_stylegan2: synthesis kwargs flattened into the top level
            g_kwargs = E(z_dim=kw['z_dim'], w_dim=kw['w_dim'],
                         mapping_kwargs=E(kw['mapping_kwargs']),
                         fused_modconv_default='inference_only', c_dim=kw['c_dim'],
                         img_resolution=kw['img_resolution'], img_channels=kw['img_channels'],
                         **synthesis)
        G_train = Generator(**kw)  # different weights: the loader must take G_ema
        init = {id(G): g_kwargs, id(G_train): g_kwargs}
        top = G
        if snapshot:
            top = dict(G=G_train, D=Discriminator(), G_ema=G, augment_pipe=AugmentPipe(),
                       training_set_kwargs=E(class_name='training.dataset.ImageFolderDataset',
                                             path='~/datasets/faces.zip', resolution=16,
                                             use_labels=False, max_size=64, xflip=False))
        with open(path, 'wb') as f:
            NvidiaPickler(f, fake, init, module_src).dump(top)
    assert 'torch_utils' not in sys.modules and 'dnnlib' not in sys.modules


class RecordingUnpickler(pickle.Unpickler):
    """Lists the globals a pickle references without resolving any of them."""

    class Anything:
        def __init__(self, *args, **kwargs):
            pass

        def __call__(self, *args, **kwargs):
            return RecordingUnpickler.Anything()

        def __setstate__(self, state):
            pass

        def __setitem__(self, key, value):
            pass

    def __init__(self, file):
        super().__init__(file)
        self.names = set()

    def find_class(self, module, name):
        self.names.add(f'{module}.{name}')
        return self.Anything


def test_nvidia_snapshot_loads_without_running_its_code(tmp_path, make_generator):
    G = make_generator()
    path, marker = tmp_path / 'network-snapshot-000100.pkl', tmp_path / 'executed'
    write_nvidia_pickle(path, G, marker)
    with open(path, 'rb') as f:
        recorder = RecordingUnpickler(f)
        recorder.load()
    assert recorder.names <= NVIDIA_GLOBALS
    assert {'torch_utils.persistence._reconstruct_persistent_obj', 'dnnlib.util.EasyDict',
            'torch.storage._load_from_bytes', 'numpy.dtype'} <= recorder.names

    ckpt = read_generator_checkpoint(path)
    assert ckpt.format == 'nvidia'
    assert list(ckpt.state_dict) == list(G.state_dict())  # same keys, same order
    assert all(torch.equal(ckpt.state_dict[k], v) for k, v in G.state_dict().items())
    assert ckpt.init_kwargs['synthesis_kwargs']['conv_clamp'] == 1.0
    assert type(ckpt.init_kwargs['mapping_kwargs']) is dict

    loaded = load_generator(path)
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    assert torch.equal(outputs(loaded), outputs(G))
    assert not marker.exists() and 'torch_utils' not in sys.modules


@pytest.mark.parametrize('layout,snapshot', [('stylegan3', True), ('ada', False)])
def test_stylegan3_layout_and_bare_generator_pickles(tmp_path, make_generator, layout, snapshot):
    G = make_generator(seed=1)
    path = tmp_path / 'g.pkl'
    write_nvidia_pickle(path, G, tmp_path / 'executed', layout=layout, snapshot=snapshot)
    assert torch.equal(outputs(load_generator(path)), outputs(G))


def test_stylegan3_alias_free_and_tf_pickles_are_refused(tmp_path, make_generator):
    G = make_generator()
    G.synthesis.input = nn.Linear(2, 2)  # what an alias-free generator has: synthesis.input.*
    path = tmp_path / 'stylegan3-t.pkl'
    write_nvidia_pickle(path, G, tmp_path / 'executed')
    with pytest.raises(GeneratorLoadError, match='StyleGAN3'):
        load_generator(path)

    tf_path = tmp_path / 'stylegan2-ffhq-config-f.pkl'
    with FakeNvidiaModules() as fake:
        nets = [fake.Network(dict(version=4, name=n, static_kwargs=fake.EasyDict(resolution=16),
                                  build_module_src='import os', build_func_name='G_main',
                                  variables=[('dlatent_avg', np.zeros(16, np.float32))]))
                for n in ('G', 'D', 'Gs')]
        tf_path.write_bytes(pickle.dumps(tuple(nets), protocol=4))
    with pytest.raises(GeneratorLoadError, match='TensorFlow-era'):
        load_generator(tf_path)


# ---------------------------------------------------------------- refusing code
def _marker_cmd(marker) -> str:
    return f'touch {marker}'


class SystemCall:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (_marker_cmd(self.marker),)


class EvalCall:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import builtins
        return builtins.eval, (f'open({str(self.marker)!r}, "w")',)


def test_malicious_pickles_are_refused(tmp_path):
    marker = tmp_path / 'pwned'
    payloads = {
        'system.pkl': pickle.dumps({'G_ema': SystemCall(marker)}, protocol=4),
        'eval.pkl': pickle.dumps(EvalCall(marker), protocol=2),
        # getattr(__import__('os'), 'system')('touch ...'), written as protocol-0 opcodes
        'getattr.pkl': (b'cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(V'
                        + _marker_cmd(marker).encode() + b'\ntR.'),
    }
    for name, data in payloads.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UnsafeCheckpointError, match=rf'{name}.*(system|eval|getattr)'):
            load_generator(path)
    torch.save({'g_ema': SystemCall(marker)}, tmp_path / 'evil.pt')
    with pytest.raises(UnsafeCheckpointError, match='evil.pt'):
        load_generator(tmp_path / 'evil.pt')
    assert not marker.exists()


def test_malicious_embedded_storage_is_refused(tmp_path):
    """A storage blob (torch.storage._load_from_bytes) that is itself a malicious torch file."""
    marker = tmp_path / 'pwned'
    blob = tmp_path / 'blob.pt'
    torch.save(SystemCall(marker), blob, _use_new_zipfile_serialization=False)
    data = blob.read_bytes()
    path = tmp_path / 'storage.pkl'
    path.write_bytes(b'ctorch.storage\n_load_from_bytes\n(B' + struct.pack('<I', len(data))
                     + data + b'tR.')
    with pytest.raises(UnsafeCheckpointError, match='storage.pkl'):
        load_generator(path)
    assert not marker.exists()


# ---------------------------------------------------------------- rosinality
def rosinality_g_ema(G: Generator) -> dict:
    """rosinality names and shapes for G's tensors, written from the reference table."""
    sd, g = G.state_dict(), {}
    for i in range(G.mapping.num_layers):
        g[f'style.{i + 1}.weight'] = sd[f'mapping.fc{i}.weight']
        g[f'style.{i + 1}.bias'] = sd[f'mapping.fc{i}.bias']
    g['input.input'] = sd['synthesis.b4.const'][None]

    def styled(dst, src, noise_idx):
        g[f'{dst}.conv.weight'] = sd[f'{src}.weight'][None]
        g[f'{dst}.conv.modulation.weight'] = sd[f'{src}.affine.weight']
        g[f'{dst}.conv.modulation.bias'] = sd[f'{src}.affine.bias']
        g[f'{dst}.noise.weight'] = sd[f'{src}.noise_strength'].reshape(1)
        g[f'{dst}.activate.bias'] = sd[f'{src}.bias']
        g[f'noises.noise_{noise_idx}'] = sd[f'{src}.noise_const'][None, None]

    def to_rgb(dst, src):
        g[f'{dst}.bias'] = sd[f'{src}.bias'].reshape(1, -1, 1, 1)
        g[f'{dst}.conv.weight'] = sd[f'{src}.weight'][None]
        g[f'{dst}.conv.modulation.weight'] = sd[f'{src}.affine.weight']
        g[f'{dst}.conv.modulation.bias'] = sd[f'{src}.affine.bias']

    styled('conv1', 'synthesis.b4.conv1', 0)
    to_rgb('to_rgb1', 'synthesis.b4.torgb')
    k, res = 1, 8
    while res <= G.img_resolution:
        styled(f'convs.{2 * k - 2}', f'synthesis.b{res}.conv0', 2 * k - 1)
        g[f'convs.{2 * k - 2}.conv.blur.kernel'] = FIR * 4
        styled(f'convs.{2 * k - 1}', f'synthesis.b{res}.conv1', 2 * k)
        to_rgb(f'to_rgbs.{k - 1}', f'synthesis.b{res}.torgb')
        g[f'to_rgbs.{k - 1}.upsample.kernel'] = FIR * 4
        k, res = k + 1, res * 2
    return {key: v.clone() for key, v in g.items()}


def rosinality_generator(make_generator):
    """A generator rosinality's model can express: config-like channels, no conv_clamp."""
    return make_generator(synthesis_kwargs=dict(channel_base=256, channel_max=32))


def test_rosinality_checkpoint_loads(tmp_path, make_generator):
    G = rosinality_generator(make_generator)
    g_ema = rosinality_g_ema(G)
    assert g_ema['convs.0.conv.weight'].shape == (1, 32, 32, 3, 3)
    assert g_ema['to_rgbs.1.bias'].shape == (1, 3, 1, 1)
    assert g_ema['noises.noise_4'].shape == (1, 1, 16, 16)
    path = tmp_path / '550000.pt'
    torch.save({'g_ema': g_ema, 'latent_avg': G.w_avg.clone()}, path)
    ckpt = read_generator_checkpoint(path)
    assert ckpt.format == 'rosinality'
    assert ckpt.init_kwargs == dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=16,
                                    img_channels=3, mapping_kwargs=dict(num_layers=3),
                                    synthesis_kwargs=dict(channel_base=256, channel_max=32,
                                                          conv_clamp=None))
    assert torch.equal(outputs(load_generator(path)), outputs(G))
    # our writer follows the same table
    ours = to_rosinality(G.state_dict(), G.init_kwargs)
    assert ours['g_ema'].keys() == g_ema.keys()
    assert all(torch.equal(ours['g_ema'][k], v) for k, v in g_ema.items())
    with pytest.raises(ValueError, match='conv_clamp'):
        to_rosinality(make_generator().state_dict(), make_generator().init_kwargs)


def test_rosinality_training_checkpoint_with_args(tmp_path, make_generator):
    G = rosinality_generator(make_generator)
    g_ema = rosinality_g_ema(G)
    path = tmp_path / '010000.pt'
    torch.save({'g': g_ema, 'd': {'convs.0.0.weight': torch.zeros(2)}, 'g_ema': g_ema,
                'g_optim': {'state': {}, 'param_groups': [{'lr': 0.002}]},
                'args': argparse.Namespace(size=16, n_mlp=3, channel_multiplier=2, lr=0.002),
                'ada_aug_p': 0.0}, path)
    loaded = load_generator(path)
    assert read_generator_checkpoint(path).notes  # says w_avg was estimated
    torch.testing.assert_close(loaded.w_avg, estimate_w_avg(loaded))
    assert loaded.w_avg.abs().sum() > 0
    with torch.no_grad():
        ws = G.mapping(torch.randn(2, 16))
        assert torch.equal(loaded.synthesis(ws), G.synthesis(ws))


def test_rosinality_mismatch_is_explained(tmp_path, make_generator):
    g_ema = rosinality_g_ema(rosinality_generator(make_generator))
    del g_ema['convs.1.noise.weight']
    torch.save({'g_ema': g_ema}, tmp_path / 'broken.pt')
    with pytest.raises(GeneratorLoadError, match=r'broken\.pt.*missing.*convs\.1\.noise\.weight'):
        load_generator(tmp_path / 'broken.pt')


# ---------------------------------------------------------------- our format, errors, convert
def test_project_format_round_trip(tmp_path, make_generator):
    G = make_generator(c_dim=3)
    path = tmp_path / 'out' / 'g.pth'
    save_generator(G, path)
    assert sorted(os.listdir(tmp_path / 'out')) == ['g.pth']  # no temporary file left
    raw = torch.load(path, weights_only=True)
    assert raw['format'] == FORMAT_NAME and raw['version'] == 1
    assert raw['init_kwargs'] == G.init_kwargs
    loaded = load_generator(path)
    c = torch.eye(3)[:2]
    z = torch.randn(2, 16)
    with torch.no_grad():
        assert torch.equal(loaded(z, c), G(z, c))
    # torch's legacy (non-zip) serialisation is recognised as well
    torch.save(raw, tmp_path / 'legacy.pth', _use_new_zipfile_serialization=False)
    assert read_generator_checkpoint(tmp_path / 'legacy.pth').format == 'mmdsgan'


def test_bad_inputs_name_the_file_and_the_fix(tmp_path, make_generator):
    with pytest.raises(FileNotFoundError, match='nothere.pkl'):
        load_generator(tmp_path / 'nothere.pkl')
    (tmp_path / 'notes.txt').write_text('hello')
    with pytest.raises(GeneratorLoadError, match=r'notes\.txt.*save_generator'):
        load_generator(tmp_path / 'notes.txt')
    torch.save({'model': {}}, tmp_path / 'other.pth')
    with pytest.raises(GeneratorLoadError, match=r"other\.pth: unknown.*\['model'\]"):
        load_generator(tmp_path / 'other.pth')
    G = make_generator()
    payload = dict(format=FORMAT_NAME, version=1, init_kwargs=G.init_kwargs,
                   state_dict=G.state_dict())
    torch.save({**payload, 'version': 9}, tmp_path / 'future.pth')
    with pytest.raises(GeneratorLoadError, match='future.pth.*version 9'):
        load_generator(tmp_path / 'future.pth')
    sd = dict(G.state_dict())
    sd['synthesis.b8.conv0.weight'] = torch.zeros(1, 1, 3, 3)
    del sd['mapping.fc0.bias']
    torch.save({**payload, 'state_dict': sd}, tmp_path / 'damaged.pth')
    with pytest.raises(GeneratorLoadError, match=r'damaged\.pth.*mapping\.fc0\.bias.*synthesis'
                                                 r'\.b8\.conv0\.weight: file \(1, 1, 3, 3\)'):
        load_generator(tmp_path / 'damaged.pth')
    with zipfile.ZipFile(tmp_path / 'archive.zip', 'w') as z:
        z.writestr('a.txt', 'x')
    with pytest.raises(GeneratorLoadError, match=r'archive\.zip: not a readable torch file'):
        load_generator(tmp_path / 'archive.zip')


def test_convert_tool_round_trips_every_format(tmp_path, make_generator, tool, capsys):
    convert = tool('convert_generator')
    G = rosinality_generator(make_generator)
    sources = {'nvidia': tmp_path / 'g.pkl', 'rosinality': tmp_path / 'g.pt',
               'mmdsgan': tmp_path / 'g.pth'}
    write_nvidia_pickle(sources['nvidia'], G, tmp_path / 'executed')
    torch.save({'g_ema': rosinality_g_ema(G), 'latent_avg': G.w_avg.clone()}, sources['rosinality'])
    save_generator(G, sources['mmdsgan'])
    expected = outputs(G)
    for fmt, src in sources.items():
        out = tmp_path / f'converted_{fmt}.pth'
        summary = convert.main([str(src), str(out)])
        assert f'({fmt} format)' in summary and 'num_ws=6' in summary
        assert read_generator_checkpoint(out).format == 'mmdsgan'
        assert torch.equal(outputs(load_generator(out)), expected)
    assert 'wrote' in capsys.readouterr().out


def test_shipped_toy_generator_loads_and_samples():
    # The generator `make demo` uses (docs/gan_training.md, section 7), as installed.
    import mmdsgan
    path = os.path.join(os.path.dirname(mmdsgan.__file__), 'checkpoints', 'toy_faces_64.pth')
    assert os.path.getsize(path) < 20 * 2**20  # the limit for a shipped file
    G = load_generator(path)
    assert (G.img_resolution, G.z_dim, G.num_ws) == (64, 128, 10)
    with torch.no_grad():
        img = G(torch.randn(2, G.z_dim, generator=torch.Generator().manual_seed(0)),
                truncation_psi=0.7, noise_mode='const')
    assert img.shape == (2, 3, 64, 64) and torch.isfinite(img).all()
    assert 0.05 < img.std() < 1.5  # an image, not a constant
