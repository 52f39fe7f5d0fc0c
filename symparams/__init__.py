"""symparams: closed-form, exact formulas for the shapes and parameter counts of
neural networks.

>>> import symparams
>>> d = symparams.parse("I(28x28x1)-C(32,5)-P(2)-C(32,3)-P(2)-H(256)-O(10)").derive()
>>> d.evaluate()
217706
"""

from symparams.core.derivation import Condition, Derivation, Row
from symparams.core.errors import (MissingValueError, NotSupportedError, ShapeError, SpecError,
                                   SymparamsError)
from symparams.core.layer import Weight, make_layer
from symparams.core.network import Network
from symparams.notation.compact import parse
from symparams.notation.specfile import SpecFile, load
from symparams.interop import from_torch
from symparams.interop.hf_config import from_hf_config
from symparams.export import load_formats

load_formats()  # the exporters lend Derivation its latex(), markdown() … (core/provided.py)

__all__ = ["Condition", "Derivation", "MissingValueError", "Network", "NotSupportedError", "Row",
           "ShapeError", "SpecError", "SpecFile", "SymparamsError", "Weight", "from_hf_config",
           "from_torch",
           "load", "make_layer", "parse"]
__version__ = "0.1.0"
