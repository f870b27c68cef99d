"""Build the compiled fastpath extensions; all metadata lives in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

EXTENSIONS = [
    Extension("fastpath._crc_c", ["fastpath/_crc_c.pyx"]),
    Extension("fastpath._ash_c", ["fastpath/_ash_c.pyx"]),
    Extension("fastpath._hdlc_c", ["fastpath/_hdlc_c.pyx"]),
    Extension("fastpath._mt_c", ["fastpath/_mt_c.pyx"]),
    Extension("fastpath._ota_c", ["fastpath/_ota_c.pyx"]),
    Extension("fastpath._ezsp_c", ["fastpath/_ezsp_c.pyx"]),
]

setup(
    ext_modules=cythonize(
        EXTENSIONS,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    ),
)
