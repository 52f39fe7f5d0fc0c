"""PyTorch interop: a :class:`Network` from an ``nn.Module``, and an ``nn.Module`` from a
network.

torch is imported inside the functions only; without it they raise
:class:`NotSupportedError` saying how to install it.

``from_torch(module, input_shape, symbolize=...)`` reads any module whose ``forward``
``torch.fx`` traces (``nn.Sequential`` included): each library module and each known
function (activations, pooling, ``flatten``, ``cat`` on the channels, ``+`` and ``*``
of two tensors, ``mean`` over the spatial axes) becomes a layer that reads the nodes it
reads in the graph, so residual and concatenating models (torchvision's ResNet,
DenseNet, Inception …) come out as graphs.  A module called twice is one weight set
(the second use ``shares`` it); parameters with ``requires_grad=False`` count as
non-trainable; arithmetic with a number (``x * 2``) keeps the shape.  Counts
follow PyTorch (BatchNorm running statistics are buffers), so with the model's own
values ``from_torch(m, shape).derive().evaluate() == sum(p.numel() for p in m.parameters())``.
Modules it cannot read are listed, all of them, in one error, never counted as zero.

``symbolize`` chooses which hyperparameters become symbols:

* ``None`` (default): none, every value is the model's number;
* a group name or a tuple of them, applied to every layer:
  ``"input"`` (input sizes: ``n``, or ``h``, ``w`` when they differ), ``"channels"``
  (input channels ``l`` and conv filters ``c1, c2 …``), ``"units"`` (linear outputs
  ``h1, h2 …``, the last one ``o``), ``"kernel"`` (conv ``k1 …``, pooling ``q1 …``),
  ``"stride"``, ``"padding"``, ``"dilation"`` (``s1``, ``p1``, ``d1`` … in order), or
  ``"all"``;
* a dict from module path (as ``named_modules()`` spells it, or ``"input"``) to a group,
  a tuple of groups, or ``{group: symbol name}``; equal names make one symbol, e.g.
  ``{"input": "input", "0": {"channels": "c"}, "3": {"channels": "c"}}``.

A value that differs between axes (kernel ``(3, 5)``) becomes one symbol per axis
(``kh1``, ``kw1``).

``to_torch(network, device="cpu", **values)`` returns an ``nn.Sequential`` whose i-th
child is the i-th row of the derivation (implied flattens included), or, for a graph,
a module whose i-th child is row i and whose forward follows the rows' inputs (a block
is such a module; a repeat a Sequential of its copies).  Keras-style
``padding='same'`` with a stride above 1 has no PyTorch equivalent: it becomes an
explicit asymmetric zero padding (extra on the right, as TensorFlow does) before the
layer, in one ``nn.Sequential`` child; max pooling pads with ``-inf`` so values match,
average pooling's border values differ from Keras (which averages the valid part only),
shapes and counts do not.  A global pooling is ``AdaptiveXPool(1)`` then ``Flatten``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping

import sympy as sp

from symparams.core.errors import MissingValueError, NotSupportedError, ShapeError, SpecError
from symparams.core.layer import Layer
from symparams.core.network import Network
from symparams.core.shape import AXIS_NAMES
from symparams.core.symbols import is_valid_name, make_symbol, sort_symbols

INSTALL_HINT = "pip install 'symparams[torch]'"
GROUPS = ("input", "channels", "units", "kernel", "stride", "padding", "dilation")

# Parameter-free, shape-preserving activations: torch class name -> our function name
# (the class name in lower case, so to_torch can find the class again).
ACTIVATIONS = ("ReLU", "ReLU6", "LeakyReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU",
               "Mish", "Tanh", "Sigmoid", "Hardtanh", "Hardswish", "Hardsigmoid", "Hardshrink",
               "Softshrink", "Tanhshrink", "Softplus", "Softsign", "LogSigmoid", "Threshold",
               "Softmax", "Softmax2d", "LogSoftmax", "Softmin", "Identity")
ACTIVATION_ALIASES = {"swish": "silu", "linear": "identity"}
# torch / torch.nn.functional / Tensor method names read as activations in a traced graph.
FUNCTION_ACTIVATIONS = {
    "relu": "relu", "relu_": "relu", "relu6": "relu6", "leaky_relu": "leakyrelu", "elu": "elu",
    "selu": "selu", "celu": "celu", "gelu": "gelu", "silu": "silu", "mish": "mish",
    "tanh": "tanh", "sigmoid": "sigmoid", "hardtanh": "hardtanh", "hardswish": "hardswish",
    "hardsigmoid": "hardsigmoid", "softplus": "softplus", "softsign": "softsign",
    "logsigmoid": "logsigmoid", "softmax": "softmax", "log_softmax": "logsoftmax",
    "softmin": "softmin", "tanhshrink": "tanhshrink",
}
DROPOUTS = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
            "FeatureAlphaDropout")


def import_torch():
    """The ``torch`` module, or :class:`NotSupportedError` with the install command."""
    try:
        import torch
    except ImportError:
        raise NotSupportedError(f"PyTorch is not installed; {INSTALL_HINT}") from None
    return torch


# ----------------------------------------------------------------------------------------
# from_torch
# ----------------------------------------------------------------------------------------
@dataclass
class _Step:
    """One layer read from the model: our kind, options (numbers) and where it came from."""

    path: str
    label: str
    kind: str
    options: dict[str, Any]
    modules: list[Any] = field(default_factory=list)  # the torch modules it stands for
    reads: tuple[int, ...] = (-1,)  # the steps it reads (indices; -1 is the input)
    users: int = 0  # how many steps read it
    name: str | None = None  # given when another step shares its weights
    shares: str | None = None  # the name of the step whose weights it uses
    trainable: bool = True  # False when its parameters have requires_grad=False

    @property
    def spec(self) -> str:
        return f"{self.path or '<root>'}: {self.label}"


@dataclass(frozen=True)
class _Call:
    """A function or method call in a traced graph: ``torch.flatten(x, 1)``."""

    name: str
    args: tuple
    kwargs: dict


def from_torch(module: Any, input_shape: Iterable[int], symbolize: Any = None) -> Network:
    """A :class:`Network` for ``module`` on inputs of ``input_shape``.

    ``input_shape`` is in PyTorch's order, ``(C, H, W)``, or with the batch,
    ``(N, C, H, W)`` as torchinfo takes it; the batch is recognised when a layer before
    any flatten fixes the rank (a conv, pooling, linear …), else the shape is taken as
    given, without a batch.  ``symbolize`` picks the hyperparameters that become symbols (see the module
    docstring).  Raises :class:`NotSupportedError` listing every module it cannot read.
    """
    torch = import_torch()
    if not isinstance(module, torch.nn.Module):
        raise SpecError(f"from_torch takes an nn.Module, got {type(module).__name__}")
    steps, problems = _read(module, torch)
    if problems:
        raise NotSupportedError(
            f"{type(module).__name__}: {len(problems)} unsupported module"
            f"{'s' if len(problems) > 1 else ''}: " + "; ".join(problems))
    if not steps:
        raise SpecError(f"{type(module).__name__} has no layers")
    shape = _input_sizes(input_shape, steps)
    numeric = _network(steps, shape, _Plan(None, []), type(module).__name__)
    _check_against(module, steps, numeric)
    if symbolize is None:
        return numeric
    plan = _Plan(symbolize, [s.path for s in steps])
    return _network(steps, shape, plan, type(module).__name__)


def _read(module: Any, torch) -> tuple[list[_Step], list[str]]:
    """The steps of ``module`` in the order ``torch.fx`` traces them, each knowing the
    steps it reads (``inputs``: indices into the list, -1 for the input)."""
    problems: list[str] = []
    nn = torch.nn
    if type(module).__module__.startswith("torch.nn.") and not isinstance(module, nn.Sequential):
        step = _map("", module, torch, problems)  # one library module as the whole model
        return ([step] if step else []), problems
    class Tracer(torch.fx.Tracer):  # to_torch's merges stay one node each
        def is_leaf_module(self, m, qualname):
            return getattr(m, "symparams_merge", False) or super().is_leaf_module(m, qualname)

    try:
        graph_module = torch.fx.GraphModule(module, Tracer().trace(module))
    except Exception as err:  # fx raises many kinds (TraceError, TypeError …)
        first = str(err).splitlines()[0] if str(err) else ""
        problems.append(f"{type(module).__name__}: torch.fx cannot trace its forward "
                        f"({type(err).__name__}: {first[:200]})")
        return [], problems
    steps: list[_Step] = []
    source: dict[Any, int] = {}  # fx node -> index of the step whose output it is (-1: input)
    owner: dict[str, int] = {}  # module path -> the step of its first use
    where = type(module).__name__
    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            if source:
                problems.append(f"{where}: forward takes more than one input ({node.name})")
            source[node] = -1
            continue
        if node.op == "output":
            break
        reads = [source[n] for n in node.all_input_nodes if n in source]
        if node.op == "get_attr":
            problems.append(f"{node.target} ({where}): forward uses a tensor attribute directly "
                            "(its parameters would not be counted)")
            continue
        if node.op == "call_module":
            target = graph_module.get_submodule(node.target)
            step = _map(node.target, target, torch, problems)
            if step is not None:
                grads = [p.requires_grad for p in target.parameters()]
                if len(set(grads)) > 1:
                    problems.append(f"{node.target} ({type(target).__name__}): some parameters "
                                    "are frozen (requires_grad=False) and some are not")
                step.trainable = all(grads)
                if node.target in owner:  # a module applied again: its weights count once
                    first = steps[owner[node.target]]
                    first.name = first.name or node.target
                    step.name, step.shares, step.modules = node.name, first.name, []
                else:
                    owner[node.target] = len(steps)
        elif node.op == "call_function" and isinstance(node.target, type) and \
                all(u.op == "output" for u in node.users):
            continue  # packs the outputs (torchvision's InceptionOutputs(x, aux))
        else:
            path = f"{where}:{node.name}"
            step = _map_call(path, _Call(_target_name(node), tuple(node.args[1:]),
                                         dict(node.kwargs)), problems, node, source)
        if step is None or step.kind == "same":  # refused, or its input passed on
            if reads:
                source[node] = reads[0]
            continue
        if step.kind == "flatten" and len(reads) == 1 and reads[0] >= 0:
            pool = steps[reads[0]]
            if pool.kind == "adaptivepool" and set(_axes(pool.options["size"])) == {1} \
                    and pool.users == 0 and len(node.all_input_nodes[0].users) == 1:
                # AdaptiveAvgPool2d(1) then flatten: a global pooling (one value per channel)
                pool.kind, pool.options = "globalpool", {"mode": pool.options["mode"],
                                                        "ndim": pool.options["ndim"]}
                pool.modules += step.modules
                pool.label += f", then {step.label}"
                source[node] = reads[0]
                continue
        step.reads = tuple(reads) if step.kind in MERGES else tuple(reads[:1]) or (-1,)
        for r in step.reads:
            if r >= 0:
                steps[r].users += 1
        source[node] = len(steps)
        steps.append(step)
    return steps, problems


MERGES = ("add", "multiply", "concat")


def _target_name(node: Any) -> str:
    target = node.target
    return target if isinstance(target, str) else getattr(target, "__name__", str(target))


def _axes(value: Any) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _one(values: tuple[int, ...]) -> Any:
    """A per-axis tuple, or its one value when all axes agree."""
    return values[0] if len(set(values)) == 1 else values


def _map(path: str, target: Any, torch, problems: list[str]) -> _Step | None:
    """The step for one module or call, or None after recording why it is not supported."""
    if isinstance(target, _Call):
        return _map_call(path, target, problems)
    nn = torch.nn
    m = target
    name = type(m).__name__
    label = repr(m) if len(repr(m)) <= 120 else name

    def step(kind: str, **options: Any) -> _Step:
        return _Step(path, label, kind, options, [m])

    def refuse(why: str) -> None:
        problems.append(f"{path or '<root>'} ({name}){': ' + why if why else ''}")

    if getattr(m, "symparams_merge", False):  # to_torch's merge modules
        return step(m.kind)
    if isinstance(m, nn.modules.lazy.LazyModuleMixin) and m.has_uninitialized_params():
        return refuse("lazy module not yet initialised; run one forward pass first")
    if type(m) in (nn.Conv1d, nn.Conv2d, nn.Conv3d):
        padding = m.padding if isinstance(m.padding, str) else _one(_axes(m.padding))
        return step("conv", ndim=len(m.kernel_size), filters=m.out_channels,
                    kernel=_one(m.kernel_size), stride=_one(m.stride), padding=padding,
                    dilation=_one(m.dilation), groups=m.groups, bias=m.bias is not None,
                    in_channels=m.in_channels)
    if name in {f"{mode}Pool{d}d" for mode in ("Max", "Avg") for d in (1, 2, 3)}:
        ndim = int(name[-2])
        if name.startswith("Max"):
            if any(d != 1 for d in _axes(m.dilation)):
                return refuse("dilation other than 1 is not supported for pooling")
            if m.return_indices:
                return refuse("return_indices=True returns a tuple")
        k = _axes(m.kernel_size) * (ndim if len(_axes(m.kernel_size)) == 1 else 1)
        s = _axes(m.stride) * (ndim if len(_axes(m.stride)) == 1 else 1) if m.stride else k
        return step("pool", ndim=ndim, mode=name[:3].lower(), size=_one(k),
                    stride=None if s == k else _one(s), padding=_one(_axes(m.padding)),
                    ceil_mode=bool(m.ceil_mode))
    if name.startswith(("AdaptiveAvgPool", "AdaptiveMaxPool")) and name[-2:] in ("1d", "2d", "3d"):
        if getattr(m, "return_indices", False):
            return refuse("return_indices=True returns a tuple")
        if any(v is None for v in _axes(m.output_size)):
            return refuse(f"output_size {m.output_size}: None (keep the input size) is not "
                          "supported")
        return step("adaptivepool", mode=name[8:11].lower(), ndim=int(name[-2]),
                    size=_one(_axes(m.output_size)))
    if type(m) is nn.Flatten:
        if (m.start_dim, m.end_dim) != (1, -1):
            return refuse(f"start_dim={m.start_dim}, end_dim={m.end_dim}: only the default "
                          "(1, -1) is supported")
        return step("flatten")
    if type(m) is nn.Linear:
        return step("dense", units=m.out_features, bias=m.bias is not None,
                    in_features=m.in_features)
    if type(m) in (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d):
        if not m.affine:
            return refuse("affine=False (no parameters) is not supported")
        return step("batchnorm", ndim=int(name[-2]), num_features=m.num_features)
    if name in DROPOUTS and type(m).__module__.startswith("torch.nn"):
        return step("dropout", rate=str(m.p))
    if name in ACTIVATIONS and type(m).__module__.startswith("torch.nn"):
        if name == "Softmax2d":
            return step("activation", function="softmax2d", ndim=2)
        return step("activation", function=name.lower())
    pad_modes = {"ZeroPad": "zeros", "ReflectionPad": "reflect", "ReplicationPad": "replicate",
                 "CircularPad": "circular"}
    if name[:-2] in pad_modes and name[-2:] in ("1d", "2d", "3d"):
        ndim = int(name[-2])
        pads = _axes(m.padding) * (2 * ndim if len(_axes(m.padding)) == 1 else 1)
        pairs = [pads[i:i + 2] for i in range(0, len(pads), 2)][::-1]  # last axis first
        if any(a != b for a, b in pairs):
            return refuse(f"asymmetric padding {m.padding} is not supported")
        return step("zeropadding", padding=_one(tuple(a for a, _ in pairs)), ndim=ndim,
                    mode=pad_modes[name[:-2]])
    return refuse("")


ELEMENTWISE = {"add": "add", "iadd": "add", "add_": "add", "__add__": "add", "__iadd__": "add",
               "mul": "multiply", "imul": "multiply", "mul_": "multiply", "__mul__": "multiply"}
# calls that return a tensor of their (first) input's shape and hold no parameters
SHAPE_KEEPING = ("contiguous", "clone", "detach", "float", "half", "double", "sub", "isub",
                 "truediv", "itruediv", "div", "neg", "abs", "exp", "sqrt", "pow", "clamp",
                 "clamp_", "sub_", "div_", "stochastic_depth")


def _map_call(path: str, call: _Call, problems: list[str], node: Any = None,
              source: dict | None = None) -> _Step | None:
    label = f"{call.name}(…)"
    tensors = [n for n in node.all_input_nodes if n in source] if node is not None else []
    if call.name in ELEMENTWISE or call.name in SHAPE_KEEPING:
        if len(tensors) <= 1:
            return _Step(path, label, "same", {})  # with a number: the shape is the input's
        if call.name in ELEMENTWISE:
            return _Step(path, label, ELEMENTWISE[call.name], {})
        problems.append(f"{path} ({call.name}): {call.name} of two tensors is not supported "
                        "(add, multiply and cat are)")
        return None
    if call.name in ("cat", "concat", "concatenate"):
        dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
        if dim != 1:
            problems.append(f"{path} ({call.name}): concatenation along dim={dim}; only the "
                            "channels (dim=1) are supported")
            return None
        if len(tensors) == 1:
            return _Step(path, label, "same", {})  # cat([x], 1) is x
        return _Step(path, label, "concat", {})
    if call.name in {f"{mode}_pool{d}d" for mode in ("max", "avg") for d in (1, 2, 3)}:
        return _functional_pool(path, label, call, problems)
    if call.name.startswith(("adaptive_avg_pool", "adaptive_max_pool")) and call.name[-2:] in (
            "1d", "2d", "3d"):
        size = call.args[0] if call.args else call.kwargs.get("output_size")
        if not isinstance(size, (int, tuple, list)) or any(
                not isinstance(v, int) for v in _axes(size)):
            problems.append(f"{path} ({call.name}): output_size {size!r} is not numbers")
            return None
        mode = "avg" if "avg" in call.name else "max"
        return _Step(path, label, "adaptivepool", {"mode": mode, "ndim": int(call.name[-2]),
                                                   "size": _one(_axes(size))})
    if call.name == "mean":
        dims = call.args[0] if call.args else call.kwargs.get("dim")
        keep = call.args[1] if len(call.args) > 1 else call.kwargs.get("keepdim", False)
        dims = tuple(_axes(dims)) if dims is not None else ()
        if not keep and dims in ((2,), (2, 3), (2, 3, 4)):
            return _Step(path, label, "globalpool", {"mode": "avg", "ndim": len(dims)})
        problems.append(f"{path} (mean): only a mean over every spatial axis (dim=(2, 3)) is "
                        "supported")
        return None
    if call.name == "flatten":
        start = call.args[0] if call.args else call.kwargs.get("start_dim", 0)
        end = call.args[1] if len(call.args) > 1 else call.kwargs.get("end_dim", -1)
        if (start, end) == (1, -1):
            return _Step(path, label, "flatten", {})
        problems.append(f"{path} ({call.name}): only flatten(x, 1) is supported")
        return None
    if call.name in FUNCTION_ACTIVATIONS:
        return _Step(path, label, "activation", {"function": FUNCTION_ACTIVATIONS[call.name]})
    if call.name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"):
        p = call.args[0] if call.args else call.kwargs.get("p", 0.5)
        return _Step(path, label, "dropout", {"rate": str(p)})
    problems.append(f"{path} ({call.name}): function not supported"
                    + ("; use torch.flatten(x, 1)" if call.name in ("view", "reshape") else ""))
    return None


def _functional_pool(path: str, label: str, call: _Call, problems: list[str]) -> _Step | None:
    """``F.max_pool2d(x, 3, stride=2)`` and ``F.avg_pool2d``: the pooling module's step."""
    names = ("kernel_size", "stride", "padding") + (
        ("dilation", "ceil_mode", "return_indices") if call.name.startswith("max")
        else ("ceil_mode", "count_include_pad", "divisor_override"))
    given = {**dict(zip(names, call.args)), **call.kwargs}
    ndim = int(call.name[-2])
    k = given.get("kernel_size")
    values = [given.get(key) for key in ("kernel_size", "stride", "padding")]
    if any(v is not None and not all(isinstance(x, int) for x in _axes(v)) for v in values):
        problems.append(f"{path} ({call.name}): sizes that are not numbers")
        return None
    if given.get("dilation", 1) not in (1, (1,) * ndim) or given.get("return_indices"):
        problems.append(f"{path} ({call.name}): dilation or return_indices is not supported")
        return None
    k = _axes(k) * (ndim if len(_axes(k)) == 1 else 1)
    stride = given.get("stride")
    s = _axes(stride) * (ndim if len(_axes(stride)) == 1 else 1) if stride else k
    padding = _axes(given.get("padding", 0))
    return _Step(path, label, "pool", {"ndim": ndim, "mode": call.name[:3], "size": _one(k),
                                       "stride": None if s == k else _one(s),
                                       "padding": _one(padding),
                                       "ceil_mode": bool(given.get("ceil_mode", False))})


def _input_sizes(input_shape: Iterable[int], steps: list[_Step]) -> tuple[int, ...]:
    """Channels-first sizes without the batch, as ints."""
    try:
        sizes = tuple(input_shape)
    except TypeError:
        sizes = (input_shape,)
    if not sizes or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in sizes):
        raise SpecError(f"input_shape must be positive integers such as (3, 224, 224), "
                        f"got {input_shape!r}")
    rank, fixer = None, None  # channels + spatial axes the first rank-fixing layer expects
    for s in steps:
        if s.kind in ("conv", "pool", "globalpool", "adaptivepool", "zeropadding") or (
                s.kind == "batchnorm" and s.options["ndim"] > 1):
            rank, fixer = s.options["ndim"] + 1, s
        elif s.kind == "dense":
            rank, fixer = 1, s
        elif s.kind in ("activation", "dropout", "batchnorm"):
            continue  # keeps the rank: look further
        break
    if rank is not None and len(sizes) == rank + 1:
        sizes = sizes[1:]
    elif rank is not None and len(sizes) != rank:
        raise SpecError(f"input_shape {tuple(sizes)} does not fit {fixer.spec}: "
                        f"expected {rank} sizes (channels first), or {rank + 1} with the batch")
    if len(sizes) > 4:
        raise SpecError(f"input_shape {sizes} has more than 3 spatial axes")
    return sizes


class _Plan:
    """Which hyperparameters become symbols, and their names."""

    def __init__(self, symbolize: Any, paths: list[str]):
        self.everywhere: set[str] = set()
        self.per_path: dict[str, dict[str, str | bool]] = {}
        self.counters: Counter[str] = Counter()
        if symbolize is None:
            return
        if isinstance(symbolize, Mapping):
            known = {"input", *paths}
            for path, groups in symbolize.items():
                if path not in known:
                    raise SpecError(f"symbolize: no module {path!r}; paths: "
                                    f"{', '.join(sorted(known))}")
                self.per_path[path] = self._groups(groups, explicit=True)
        else:
            self.everywhere = set(self._groups(symbolize, explicit=False))

    @staticmethod
    def _groups(value: Any, explicit: bool) -> dict[str, str | bool]:
        if isinstance(value, str):
            value = (value,)
        items = dict(value) if isinstance(value, Mapping) else {g: True for g in value}
        if "all" in items and not explicit:
            items = {g: True for g in GROUPS}
        for group, name in items.items():
            if group not in GROUPS:
                raise SpecError(f"symbolize: unknown group {group!r}; groups: "
                                f"{', '.join(GROUPS)}, all")
            if isinstance(name, str) and not is_valid_name(name):
                raise SpecError(f"symbolize: {name!r} is not a valid symbol name")
        return items

    def value(self, path: str, group: str, value: Any, auto: str, index: int | None = None,
              axes: tuple[str, ...] = ()) -> Any:
        """``value`` or the symbol that replaces it.

        ``auto`` is the letter of automatic names; ``index`` its number (None: a counter
        per letter); per-axis values that differ get one symbol per axis.
        """
        want = self.per_path.get(path, {}).get(group, group in self.everywhere)
        if want is False or value is None or isinstance(value, str):
            return value
        nonneg = group == "padding"
        if isinstance(want, str):
            return make_symbol(want, nonnegative=nonneg)
        if index is None:
            self.counters[auto] += 1
            index = self.counters[auto]
        suffix = "" if index == 0 else str(index)
        if isinstance(value, tuple):
            letters = [a[0] for a in axes] if len(axes) == len(value) else [
                str(i + 1) for i in range(len(value))]
            return tuple(make_symbol(f"{auto}{a}{suffix}", nonnegative=nonneg) for a in letters)
        return make_symbol(f"{auto}{suffix}", nonnegative=nonneg)


def _network(steps: list[_Step], sizes: tuple[int, ...], plan: _Plan, name: str) -> Network:
    from symparams.layers import (Activation, AdaptivePool, Add, BatchNorm, Concat, Conv, Dense,
                                  Dropout, Flatten, GlobalPool, Input, Multiply, Pool,
                                  ZeroPadding)

    channels, *spatial = sizes
    axes = AXIS_NAMES.get(len(spatial), ())
    if spatial and len(set(spatial)) == 1:
        sp_value = plan.value("input", "input", spatial[0], "n", 0)
        spatial_syms = (sp_value,) * len(spatial)
    elif len(spatial) > 1:
        wanted = plan.value("input", "input", tuple(spatial), "", 0, axes)
        spatial_syms = tuple(wanted)
    else:
        spatial_syms = tuple(spatial)
    layers: list[Layer] = [Input((*spatial_syms, plan.value("input", "channels", channels, "l", 0)),
                                 spec="input")]
    counts: Counter[str] = Counter()
    last_dense = max((i for i, s in enumerate(steps) if s.kind == "dense"), default=-1)
    for i, s in enumerate(steps):
        o, path = s.options, s.path
        counts[s.kind] += 1
        j = counts[s.kind]
        rank = o.get("ndim", 0)
        ax = AXIS_NAMES.get(rank, ())
        if s.kind == "conv":
            layer = Conv(plan.value(path, "channels", o["filters"], "c", j),
                         plan.value(path, "kernel", o["kernel"], "k", j, ax),
                         stride=plan.value(path, "stride", o["stride"], "s", None, ax),
                         padding=plan.value(path, "padding", o["padding"], "p", None, ax),
                         dilation=plan.value(path, "dilation", o["dilation"], "d", None, ax),
                         groups=o["groups"], bias=o["bias"], ndim=rank, spec=s.spec)
        elif s.kind == "pool":
            layer = Pool(plan.value(path, "kernel", o["size"], "q", j, ax),
                         stride=plan.value(path, "stride", o["stride"], "s", None, ax),
                         padding=plan.value(path, "padding", o["padding"], "p", None, ax),
                         ceil_mode=o["ceil_mode"], mode=o["mode"], ndim=rank, spec=s.spec)
        elif s.kind == "dense":
            units = (plan.value(path, "units", o["units"], "o", 0) if i == last_dense
                     else plan.value(path, "units", o["units"], "h", j))
            layer = Dense(units, bias=o["bias"], spec=s.spec)
        elif s.kind == "globalpool":
            layer = GlobalPool(o["mode"], spec=s.spec)
        elif s.kind == "flatten":
            layer = Flatten(spec=s.spec)
        elif s.kind == "batchnorm":
            layer = BatchNorm(spec=s.spec)
        elif s.kind == "dropout":
            layer = Dropout(o["rate"], spec=s.spec)
        elif s.kind == "activation":
            layer = Activation(o["function"], spec=s.spec)
        elif s.kind == "adaptivepool":
            layer = AdaptivePool(o["size"], mode=o["mode"], spec=s.spec)
        elif s.kind in MERGES:
            layer = {"add": Add, "multiply": Multiply, "concat": Concat}[s.kind](spec=s.spec)
        else:  # zeropadding (zeros, reflect, replicate, circular)
            layer = ZeroPadding(o["padding"], mode=o.get("mode", "zeros"), spec=s.spec)
        position = len(layers) - 1  # among the layers after the input
        refs = tuple("input" if r < 0 else r - position for r in s.reads)
        layers.append(replace(layer, name=s.name, shares=s.shares, trainable=s.trainable,
                              inputs=None if refs == ((-1,) if position else ("input",))
                              else refs))
    return Network(tuple(layers), name)


def _check_against(module: Any, steps: list[_Step], network: Network) -> None:
    """The model's own numbers must agree with the derivation: channels and features
    fit, each module's parameters equal ours, and no parameter is left out."""
    derivation = network.derive()
    by_layer = {id(layer): step for layer, step in zip(network.layers[1:], steps)}
    counted: set[int] = set()
    for row in derivation.rows:
        step = by_layer.get(id(row.layer))
        if step is None:  # a flatten symparams implies before a dense layer
            nxt = derivation.rows[row.index].layer  # the dense row after it
            raise ShapeError(f"layer {row.index + 1} ({by_layer[id(nxt)].spec}) gets a "
                             f"{len(row.input_shape.spatial)}-D input ({row.input_shape}); torch "
                             "applies nn.Linear to the last axis only: add nn.Flatten() first")
        where = f"layer {row.index} ({row.name}, {step.spec}) on input {row.input_shape}"
        o = step.options
        c_in = row.input_shape.channels
        if "in_channels" in o and o["in_channels"] != c_in:
            raise ShapeError(f"{where}: expects {o['in_channels']} input channels, gets {c_in}")
        if "in_features" in o and o["in_features"] != c_in:
            raise ShapeError(f"{where}: expects {o['in_features']} input features, gets {c_in}")
        if "num_features" in o and o["num_features"] != c_in:
            raise ShapeError(f"{where}: expects {o['num_features']} channels, gets {c_in}")
        if step.kind in ("batchnorm", "globalpool", "zeropadding"):
            nd = o["ndim"]
            allowed = (0, 1) if step.kind == "batchnorm" and nd == 1 else (nd,)
            if row.input_shape.rank not in allowed:
                raise ShapeError(f"{where}: expects a {'vector or 1-D' if allowed == (0, 1) else f'{nd}-D'}"
                                 f" input, gets {row.input_shape.rank}-D")
        params = {id(p): p.numel() for m in step.modules for p in m.parameters()}
        if sum(params.values()) != int(row.params):
            raise NotSupportedError(f"{where}: symparams counts {row.params} parameters but "
                                    f"the module has {sum(params.values())}")
        counted |= set(params)
    left = [(n, p) for n, p in module.named_parameters() if id(p) not in counted]
    if left:
        raise NotSupportedError(
            f"{type(module).__name__}: parameters outside the layers read: "
            + ", ".join(f"{n} ({p.numel()})" for n, p in left))


# ----------------------------------------------------------------------------------------
# to_torch
# ----------------------------------------------------------------------------------------
def to_torch(network: Any, *, device: Any = "cpu", **values: Any) -> Any:
    """An ``nn.Sequential`` equivalent to ``network`` (a Network or Derivation) with
    ``values`` given to its symbols; child ``i`` is row ``i + 1`` of the derivation.

    ``device="meta"`` builds without memory or initialisation.  Raises
    :class:`MissingValueError` naming every symbol still unset.
    """
    torch = import_torch()
    from symparams.core.derivation import Derivation

    if isinstance(network, Network):
        derivation = network.derive()
    elif isinstance(network, Derivation):
        derivation = network
    else:
        raise SpecError(f"to_torch takes a Network or a Derivation, got {type(network).__name__}")
    derivation = derivation.subs(values) if values else derivation
    free = set(derivation.free_symbols)
    for row in derivation.rows:
        for *_, value in row.layer.hyperparameters():
            free |= value.free_symbols
    if free:
        raise MissingValueError("to_torch needs numbers; no value for " + ", ".join(
            f"{s.name} ({derivation.describe(s) or 'no description'})" for s in sort_symbols(free)))
    unknown = [f"layer {r.index} ({r.name}, {r.kind})" for r in derivation.all_rows()
               if r.layer.kind not in _BUILDERS and not r.layer.composite]
    if unknown:
        raise NotSupportedError("no PyTorch module for " + "; ".join(unknown))
    with torch.device(device):
        return _body_module(torch, derivation.rows)


def _body_module(torch, rows, prefix: str = "") -> Any:
    """An ``nn.Sequential`` for a chain, else a graph module; child ``i`` is row ``i``.
    ``prefix`` starts the rows' names inside a block or repeat (``layer2.``)."""
    owners: dict[str, Any] = {}
    modules = []
    for r in rows:
        if r.layer.shares is not None:
            module = _Shared(owners[r.layer.shares])
        elif r.layer.composite:
            module = _composite(torch, r)
        else:
            module = _BUILDERS[r.layer.kind](torch.nn, r)
        if not r.layer.trainable:
            for parameter in module.parameters():
                parameter.requires_grad_(False)
        owners[r.name[len(prefix):]] = module
        modules.append(module)
    chain = all(r.inputs == ((rows[i - 1].name,) if i else ("input",)) for i, r in enumerate(rows))
    if chain and not any(isinstance(m, _Shared) for m in modules):
        return torch.nn.Sequential(*modules)
    return _graph_class(torch)([r.name for r in rows], [r.inputs for r in rows], modules)


def _composite(torch, row) -> Any:
    """A block: its layers' module; a repeat: one module per copy, in a Sequential."""
    from symparams.core.graph import Repeat

    if not isinstance(row.layer, Repeat):
        return _body_module(torch, row.children, f"{row.name}.")
    copies = row.copies()
    times = int(row.layer.times)
    built = []
    for i in range(1, times + 1):  # copies past the derived ones read the last one's shape
        key = str(i) if str(i) in copies else max(copies, key=int)
        built.append(_body_module(torch, copies[key], f"{row.name}.{key}."))
    return torch.nn.Sequential(*built) if built else torch.nn.Identity()


class _Shared:
    """Marks a module used again: the graph calls the owner's module."""

    def __init__(self, module: Any):
        self.module = module


_GRAPH_CLASS: list = []


def _graph_class(torch):
    """``GraphNet``, made once torch is imported: runs rows that read named inputs."""
    if _GRAPH_CLASS:
        return _GRAPH_CLASS[0]
    nn = torch.nn

    class Merge(nn.Module):
        """Add, multiply or concatenate its inputs (channels: dim 1)."""

        symparams_merge = True

        def __init__(self, kind: str):
            super().__init__()
            self.kind = kind

        def forward(self, *xs):
            if self.kind == "concat":
                return torch.cat(xs, 1)
            rank = max(x.dim() for x in xs)  # a vector of channels acts as C × 1 × 1
            xs = [x.reshape(*x.shape, *(1,) * (rank - x.dim())) for x in xs]
            out = xs[0]
            for x in xs[1:]:
                out = out + x if self.kind == "add" else out * x
            return out

        def extra_repr(self) -> str:
            return self.kind

    class SharedCall(nn.Module):
        """Calls a module owned by another row (its parameters are counted there)."""

        def __init__(self, owner):
            super().__init__()
            self.owner = (owner,)  # a tuple: not registered as a submodule

        def forward(self, x):
            return self.owner[0](x)

    class GraphNet(nn.Module):
        """Rows that read named inputs; iterating gives one module per row."""

        def __init__(self, names, reads, modules):
            super().__init__()
            self.names, self.reads = list(names), [tuple(r) for r in reads]
            self.layers = nn.ModuleList(SharedCall(m.module) if isinstance(m, _Shared) else m
                                        for m in modules)

        def __iter__(self):
            return iter(self.layers)

        def __len__(self):
            return len(self.layers)

        def forward(self, x):
            values = {"input": x}
            out = x
            for name, reads, module in zip(self.names, self.reads, self.layers):
                out = module(*[values[r] for r in reads])
                values[name] = out
            return out

    GraphNet.Merge = Merge
    _GRAPH_CLASS.append(GraphNet)
    return GraphNet


def _ints(values: Iterable[sp.Expr]) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def _same_pads(row, k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...]) -> tuple[int, ...]:
    """Keras 'same' padding as F.pad's (left, right) pairs, last axis first."""
    pads: list[int] = []
    for n, out, ki, si, di in zip(_ints(row.input_shape.spatial), _ints(row.output_shape.spatial),
                                  k, s, d):
        total = max((out - 1) * si + di * (ki - 1) + 1 - n, 0)
        pads[:0] = [total // 2, total - total // 2]
    return tuple(pads)


def _padded(nn, row, module, pads: tuple[int, ...], value: float):
    if not any(pads):
        return module
    pad = getattr(nn, f"ConstantPad{row.input_shape.rank}d")(pads, value)
    return nn.Sequential(pad, module)


def _conv(nn, row):
    layer, rank = row.layer, row.input_shape.rank
    k, s, d = (_ints(layer.per_axis(v, rank, "")) for v in (layer.kernel, layer.stride,
                                                            layer.dilation))
    cls = getattr(nn, f"Conv{rank}d")
    common = dict(in_channels=int(row.input_shape.channels), out_channels=int(layer.filters),
                  kernel_size=k, stride=s, dilation=d, groups=int(layer.groups), bias=layer.bias)
    if layer.padding == "same":
        if set(s) == {1}:
            return cls(padding="same", **common)
        return _padded(nn, row, cls(padding=0, **common), _same_pads(row, k, s, d), 0.0)
    p = (0,) * rank if layer.padding == "valid" else _ints(layer.per_axis(layer.padding, rank, ""))
    return cls(padding=p, **common)


def _pool(nn, row):
    layer, rank = row.layer, row.input_shape.rank
    k = _ints(layer.per_axis(layer.size, rank, ""))
    s = k if layer.stride is None else _ints(layer.per_axis(layer.stride, rank, ""))
    cls = getattr(nn, f"{layer.mode.capitalize()}Pool{rank}d")
    if layer.padding == "same":
        pool = cls(k, s, 0, ceil_mode=layer.ceil_mode)
        fill = float("-inf") if layer.mode == "max" else 0.0
        return _padded(nn, row, pool, _same_pads(row, k, s, (1,) * rank), fill)
    p = (0,) * rank if layer.padding == "valid" else _ints(layer.per_axis(layer.padding, rank, ""))
    return cls(k, s, p, ceil_mode=layer.ceil_mode)


def _global_pool(nn, row):
    pool = getattr(nn, f"Adaptive{row.layer.mode.capitalize()}Pool{row.input_shape.rank}d")(1)
    return nn.Sequential(pool, nn.Flatten())


def _batchnorm(nn, row):
    return getattr(nn, f"BatchNorm{max(row.input_shape.rank, 1)}d")(int(row.input_shape.channels))


def _activation(nn, row):
    name = row.layer.function.lower()
    name = ACTIVATION_ALIASES.get(name, name)
    classes = {c.lower(): c for c in ACTIVATIONS}
    if name not in classes:
        raise NotSupportedError(f"layer {row.index} ({row.name}): no PyTorch module for "
                                f"activation {row.layer.function!r}; known: "
                                f"{', '.join(sorted(classes))}")
    cls = getattr(nn, classes[name])
    return cls(dim=1) if name in ("softmax", "logsoftmax", "softmin") else cls()


def _zero_padding(nn, row):
    rank = row.input_shape.rank
    p = _ints(row.layer.per_axis(row.layer.padding, rank, ""))
    pads = tuple(v for pi in reversed(p) for v in (pi, pi))
    mode = row.layer.mode
    if mode == "zeros":
        return getattr(nn, f"ConstantPad{rank}d")(pads, 0.0)
    word = {"reflect": "Reflection", "replicate": "Replication", "circular": "Circular"}[mode]
    return getattr(nn, f"{word}Pad{rank}d")(pads)


def _merge(nn, row):
    import torch

    return _graph_class(torch).Merge(row.layer.kind)


def _adaptive_pool(nn, row):
    rank = row.input_shape.rank
    size = _ints(row.layer.per_axis(row.layer.size, rank, ""))
    return getattr(nn, f"Adaptive{row.layer.mode.capitalize()}Pool{rank}d")(size)


_BUILDERS: dict[str, Callable[[Any, Any], Any]] = {
    "add": _merge,
    "multiply": _merge,
    "concat": _merge,
    "adaptivepool": _adaptive_pool,
    "conv": _conv,
    "pool": _pool,
    "globalpool": _global_pool,
    "dense": lambda nn, r: nn.Linear(int(r.input_shape.channels), int(r.layer.units),
                                     bias=r.layer.bias),
    "flatten": lambda nn, r: nn.Flatten(),
    "batchnorm": _batchnorm,
    "dropout": lambda nn, r: nn.Dropout(float(r.layer.rate) if r.layer.rate is not None else 0.5),
    "activation": _activation,
    "prelu": lambda nn, r: nn.PReLU(r.layer.torch_num_parameters(r.input_shape)),
    "zeropadding": _zero_padding,
}


__all__ = ["from_torch", "to_torch", "import_torch", "GROUPS"]
