"""mmdsgan: DatasetGAN / HandsOff synthetic datasets for MMSegmentation 1.x."""
from pathlib import Path

from setuptools import find_packages, setup


def read_requirements():
    lines = Path(__file__).with_name('requirements.txt').read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith('#') and ln.strip() != 'pytest']


setup(
    name='mmdsgan',
    version='0.1.0',
    description='Labeled synthetic datasets from StyleGAN2 (DatasetGAN, HandsOff) for MMSegmentation',
    long_description=Path(__file__).with_name('README.md').read_text() if Path('README.md').exists() else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmdsgan', 'mmdsgan.*']),
    include_package_data=True,
    package_data={'mmdsgan': ['checkpoints/*.pth', 'checkpoints/*.json']},
    python_requires='>=3.9',
    install_requires=read_requirements(),
    license='Apache-2.0',
)
