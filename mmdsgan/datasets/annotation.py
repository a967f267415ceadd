"""DatasetGAN's annotation round trip: sample images to label, then check and import the masks.

1. :func:`write_annotation_folder` (``tools/sample_for_annotation.py``) writes::

       DIR/images/<id>.png     the generated images to annotate
       DIR/latents/<id>.npy    w+ (num_ws, w_dim) after truncation: reproduces the image exactly
       DIR/palette.png         the class legend (colour swatch + id + name per class)
       DIR/classes.txt         "<id> <name>" per line
       DIR/masks/README.md     how to annotate; the masks go in DIR/masks/<id>.png
       DIR/metainfo.json       classes, palette, task, latent_type

2. :func:`import_annotations` (``tools/import_annotations.py``) checks every mask (present,
   same size as its image, a class-index PNG rather than RGB, ids within the classes), reports
   all problems at once naming the files, then writes ``DIR/labels/<id>.png`` so that DIR is a
   :class:`~mmdsgan.datasets.labeled_latent_dataset.LabeledLatentDataset` folder.
"""
from __future__ import annotations

import glob
import os
import os.path as osp
from typing import Callable, Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw

from mmdsgan.models.generators import z_from_seeds
from mmdsgan.tasks.seg import read_index_png
from mmdsgan.utils.io import atomic_write, npy_bytes, png_bytes

from .folder_claim import FolderClaimError, claim_folder
from .label_io import META_NAME, LabelFileError, read_latent, read_meta, write_meta
from .synthetic.sample_files import sample_id

__all__ = ['AnnotationError', 'sample_latents', 'render_images', 'write_annotation_folder',
           'check_annotations', 'import_annotations']

IGNORE_INDEX = 255
#: the meta file's ``kind`` of a folder written by :func:`write_annotation_folder`.
KIND = 'mmdsgan.annotation'
MASKS_README = """# Masks to draw

Draw one mask per image of ../images: save it here as <id>.png (the image's file name).

- One channel whose pixel values are class ids (see ../classes.txt, legend in ../palette.png):
  an 8-bit greyscale PNG, or a palette ("P" mode, indexed) PNG -- most label tools export this.
  Not an RGB colour image.
- Same width and height as the image. 255 marks pixels you leave unlabeled.
- Then run: python tools/import_annotations.py {dir}
  It lists every problem at once, or writes labels/ and makes this folder a LabeledLatentDataset.
"""


class AnnotationError(LabelFileError):
    """One or more annotation files are wrong; the message lists them all."""


@torch.no_grad()
def sample_latents(generator: torch.nn.Module, num: int, seed: int = 0,
                   truncation_psi: float = 1.0,
                   truncation_cutoff: int | None = None) -> torch.Tensor:
    """w+ latents (num, num_ws, w_dim) of seeds ``seed .. seed + num - 1`` after truncation.

    Each z ~ N(0, I) is drawn from its own seed, so image i depends on its seed only.
    """
    device = generator.w_avg.device
    zs = z_from_seeds(range(seed, seed + num), generator.z_dim).to(device)  # (num, z_dim)
    return generator.mapping(zs, None, truncation_psi=truncation_psi,
                             truncation_cutoff=truncation_cutoff)


@torch.no_grad()
def render_images(generator: torch.nn.Module, ws: torch.Tensor, batch_size: int = 4,
                  frame: Callable[[torch.Tensor], torch.Tensor] | None = None) -> np.ndarray:
    """Images (num, H, W, 3) uint8 of w+ latents (num, num_ws, w_dim), fixed noise.

    ``frame``: applied to each batch of generator images (B, 3, R, R) in [-1, 1] before they
    are quantised, e.g. the interpreter's ``crop_images`` (resize to its grid, take the crop
    window), so the images to paint are the images the interpreter labels.
    """
    images = []
    for batch in ws.split(batch_size):
        img = generator.synthesis(batch, noise_mode='const')  # (B, 3, H, W) in [-1, 1]
        if frame is not None:
            img = frame(img)
        img = ((img.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        images.append(img.permute(0, 2, 3, 1).cpu().numpy())
    return np.concatenate(images)


def write_annotation_folder(out_dir: str, images: np.ndarray, ws: np.ndarray,
                            classes: Sequence[str], palette: Sequence[Sequence[int]],
                            ids: Sequence[str] | None = None, task: str = 'seg',
                            made_by: dict | None = None, force: bool = False) -> list[str]:
    """Write the folder to annotate (layout in the module docstring); returns the ids.

    Args:
        images: (num, H, W, 3) uint8.
        ws: (num, num_ws, w_dim) float w+ latents.
        classes: class names; palette: one [r, g, b] per class.
        ids: file stems; default :func:`~mmdsgan.datasets.synthetic.sample_files.sample_id` of
            0, 1, ... (the ids of seeds 0 .. num - 1).
        made_by: what the images depend on (generator file hash, seeds, truncation), stored in
            ``metainfo.json``.
        force: write into a non-empty folder that is not an annotation folder of the same
            ``made_by`` and classes.

    Raises:
        AnnotationError: the folder holds another run or other files (without ``force``),
            or painted masks of other latents (even with ``force``: they would be paired
            with the new images).
    """
    meta = dict(kind=KIND, classes=list(classes), palette=[list(c) for c in palette],
                task=task, latent_type='wplus', made_by=made_by or {})
    _claim_annotation_folder(out_dir, meta, force)
    if len(palette) < len(classes):
        raise ValueError(f'palette has {len(palette)} colours for {len(classes)} classes: give '
                         f'one [r, g, b] per class')
    ids = list(ids) if ids is not None else [sample_id(i) for i in range(len(images))]
    for sub in ('images', 'latents', 'masks'):
        os.makedirs(osp.join(out_dir, sub), exist_ok=True)
    for stem, image, w in zip(ids, images, ws):
        atomic_write(osp.join(out_dir, 'images', f'{stem}.png'), png_bytes(image))
        atomic_write(osp.join(out_dir, 'latents', f'{stem}.npy'),
                     npy_bytes(np.asarray(w, np.float32)))
    atomic_write(osp.join(out_dir, 'classes.txt'),
                 ''.join(f'{i} {name}\n' for i, name in enumerate(classes)).encode())
    atomic_write(osp.join(out_dir, 'palette.png'),
                 png_bytes(np.asarray(_palette_legend(classes, palette))))
    atomic_write(osp.join(out_dir, 'masks', 'README.md'),
                 MASKS_README.format(dir=out_dir).encode())
    write_meta(out_dir, meta)
    return ids


def _claim_annotation_folder(out_dir: str, meta: dict, force: bool) -> None:
    """Refuse a folder of other latents; never replace the latents of painted masks."""
    try:
        state = claim_folder(out_dir, META_NAME, KIND, meta, force,
                             tool_hint='use another --out, or pass --force to write into it',
                             who='sample_for_annotation')
    except FolderClaimError as err:
        raise AnnotationError(str(err)) from err
    masks = sorted(glob.glob(osp.join(out_dir, 'masks', '*.png')))
    if state == 'new' and masks:
        raise AnnotationError(
            f'sample_for_annotation: {osp.join(out_dir, "masks")} holds {len(masks)} painted '
            f'mask(s) (e.g. {osp.basename(masks[0])}) that belong to the images and latents '
            f'there; new samples would replace those latents. Use another --out, or move the '
            f'masks away first.')


def check_annotations(ann_dir: str) -> list[str]:
    """Every problem of the masks in ``ann_dir`` (empty list: all good)."""
    meta = read_meta(ann_dir)
    num_classes = len(meta['classes'])
    image_paths = sorted(glob.glob(osp.join(ann_dir, 'images', '*.png')))
    problems = [] if image_paths else [f'{osp.join(ann_dir, "images")}: no images to annotate']
    image_ids, latent_shapes = set(), {}
    for image_path in image_paths:
        sample_id = osp.splitext(osp.basename(image_path))[0]
        image_ids.add(sample_id)
        mask_path = osp.join(ann_dir, 'masks', f'{sample_id}.png')
        latent_path = osp.join(ann_dir, 'latents', f'{sample_id}.npy')
        if not osp.isfile(latent_path):
            problems.append(f'{latent_path}: missing; re-sample the image or delete it')
        else:
            problems += _latent_problems(latent_path, meta, latent_shapes)
        if not osp.isfile(mask_path):
            problems.append(f'{mask_path}: missing; draw the mask of {image_path}')
            continue
        try:
            mask = read_index_png(mask_path)
        except LabelFileError as err:
            problems.append(str(err))
            continue
        with Image.open(image_path) as image:
            size = image.size[::-1]
        if mask.shape != size:
            problems.append(f'{mask_path}: {mask.shape[1]}x{mask.shape[0]} pixels, its image '
                            f'is {size[1]}x{size[0]}; draw it on the image at full size')
        bad = np.unique(mask[(mask >= num_classes) & (mask != IGNORE_INDEX)])
        if bad.size:
            problems.append(f'{mask_path}: class ids {bad.tolist()} outside 0..{num_classes - 1}'
                            f' (classes.txt; {IGNORE_INDEX} = unlabeled); fix those pixels')
    for mask_path in sorted(glob.glob(osp.join(ann_dir, 'masks', '*.png'))):
        if osp.splitext(osp.basename(mask_path))[0] not in image_ids:
            problems.append(f'{mask_path}: no image of that name in images/; rename or remove it')
    return problems


def _latent_problems(path: str, meta: dict, shapes: dict) -> list[str]:
    """A latent that cannot be read as the folder's latent type, or whose shape differs from
    the first one's (all latents of a folder come from one generator)."""
    try:
        latent, _ = read_latent(path, meta.get('latent_type'))
    except LabelFileError as err:
        return [str(err)]
    first = shapes.setdefault('first', (path, latent.shape))
    if latent.shape != first[1]:
        return [f'{path}: shape {latent.shape}, but {first[0]} has {first[1]}; all latents '
                f'come from one generator: re-sample the image or delete it']
    return []


def import_annotations(ann_dir: str, out_dir: str | None = None) -> list[str]:
    """Check the masks and write the :class:`LabeledLatentDataset` layout; returns the ids.

    Args:
        ann_dir: the folder written by :func:`write_annotation_folder`, masks drawn.
        out_dir: where to write the dataset; default ``ann_dir`` itself (adds ``labels/``).

    Raises:
        AnnotationError: listing every problem found, one per line, each naming its file.
    """
    problems = check_annotations(ann_dir)
    if problems:
        raise AnnotationError(f'{len(problems)} problem(s) in {ann_dir}; nothing was '
                              f'imported:\n  ' + '\n  '.join(problems))
    out_dir = out_dir or ann_dir
    meta = read_meta(ann_dir)
    if out_dir != ann_dir:  # a new labeled-latent folder: never into other files
        try:
            claim_folder(out_dir, META_NAME, meta.get('kind'), meta,
                         tool_hint='use another --out (re-importing into the same one is fine)',
                         who='import_annotations')
        except FolderClaimError as err:
            raise AnnotationError(str(err)) from err
    palette = [list(rgb) for rgb in meta['palette']]
    palette += [[255, 255, 255]] * (256 - len(palette))  # 256 entries: PIL keeps every index
    os.makedirs(osp.join(out_dir, 'labels'), exist_ok=True)
    ids = []
    for mask_path in sorted(glob.glob(osp.join(ann_dir, 'masks', '*.png'))):
        sample_id = osp.splitext(osp.basename(mask_path))[0]
        label = read_index_png(mask_path).astype(np.uint8)  # the palette only helps viewing
        atomic_write(osp.join(out_dir, 'labels', f'{sample_id}.png'), png_bytes(label, palette))
        if out_dir != ann_dir:
            for sub, ext in (('latents', '.npy'), ('images', '.png')):
                os.makedirs(osp.join(out_dir, sub), exist_ok=True)
                with open(osp.join(ann_dir, sub, sample_id + ext), 'rb') as f:
                    atomic_write(osp.join(out_dir, sub, sample_id + ext), f.read())
        ids.append(sample_id)
    if out_dir != ann_dir:
        write_meta(out_dir, meta)
    return ids


def _palette_legend(classes: Sequence[str], palette: Sequence[Sequence[int]],
                    row: int = 20) -> Image.Image:
    """A legend image: one row per class with its colour, id and name."""
    legend = Image.new('RGB', (260, row * len(classes)), 'white')
    draw = ImageDraw.Draw(legend)
    for i, (name, colour) in enumerate(zip(classes, palette)):
        draw.rectangle([2, i * row + 2, row * 2, (i + 1) * row - 2], fill=tuple(colour),
                       outline='black')
        draw.text((row * 2 + 8, i * row + 4), f'{i} {name}', fill='black')
    return legend
