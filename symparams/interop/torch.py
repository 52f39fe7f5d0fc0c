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
non-trainable; arithmetic with a number (``x * 2``) keeps the shape.  A module that
returns a tuple (``nn.LSTM``: ``Layer.torch_tuple_output``) is read through its item 0
(``out, _ = self.lstm(x)`` or ``self.lstm(x)[0]``), and ``out[:, -1]`` of a layer with
``return_sequences`` as that option off; a model whose first such layer reads batch-first
sequences (its options say ``sequence=True``) takes ``input_shape`` as ``(T, features)``
(or ``(N, T, features)``).  Counts
follow PyTorch (BatchNorm running statistics are buffers), so with the model's own
values ``from_torch(m, shape).derive().evaluate() == sum(p.numel() for p in m.parameters())``.
Modules it cannot read are listed, all of them, in one error, never counted as zero.
A forward that fx cannot trace (it branches on a size) is read from ``torch.export``'s
graph instead, each library module call being the nodes its ``nn_module_stack`` names.
Which modules and functions a layer kind reads, and how it builds its module back, is
written in that kind's file in :mod:`symparams.layers` (``torch_modules``,
``torch_read``, ``from_torch``, ``to_torch``); this module only walks the graph.

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

import operator
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from symparams.core.errors import MissingValueError, NotSupportedError, ShapeError, SpecError
from symparams.core.layer import REGISTRY, Layer
from symparams.core.network import Network
from symparams.core.shape import AXIS_NAMES
from symparams.core.symbols import is_valid_name, make_symbol, sort_symbols
from symparams.layers import Flatten, Input

INSTALL_HINT = "pip install torch (or, in a checkout of symparams, pip install -e '.[torch]')"
GROUPS = ("input", "channels", "units", "kernel", "stride", "padding", "dilation")

# Calls that return a tensor of their (first) input's shape and hold no parameters.
SHAPE_KEEPING = ("contiguous", "clone", "detach", "float", "half", "double", "sub", "isub",
                 "truediv", "itruediv", "div", "neg", "abs", "exp", "sqrt", "pow", "clamp",
                 "clamp_", "sub_", "div_", "stochastic_depth")


def _kinds() -> list[type[Layer]]:
    """Each layer class once (a class is registered under several kinds)."""
    return list({id(cls): cls for cls, _ in REGISTRY.values()}.values())


def _by_module() -> dict[str, type[Layer]]:
    return {name: cls for cls in _kinds() for name in cls.torch_modules}


def _by_function() -> dict[str, type[Layer]]:
    return {name: cls for cls in _kinds() for name in cls.torch_functions}


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
    steps, problems = _read(module, torch, input_shape)
    if problems:
        raise NotSupportedError(
            f"{type(module).__name__}: {len(problems)} unsupported module"
            f"{'s' if len(problems) > 1 else ''}: " + "; ".join(problems))
    if not steps:
        raise SpecError(f"{type(module).__name__} has no layers")
    shape, sequence = _input_sizes(input_shape, steps)
    numeric = _network(steps, shape, _Plan(None, []), type(module).__name__, sequence)
    _check_against(module, steps, numeric)
    if symbolize is None:
        return numeric
    plan = _Plan(symbolize, [s.path for s in steps])
    return _network(steps, shape, plan, type(module).__name__, sequence)


def _read(module: Any, torch, input_shape: Any) -> tuple[list[_Step], list[str]]:
    """The steps of ``module`` in the order ``torch.fx`` traces them, each knowing the
    steps it reads (``inputs``: indices into the list, -1 for the input)."""
    problems: list[str] = []
    nn = torch.nn
    if type(module).__module__.startswith("torch.nn.") and not isinstance(module, nn.Sequential):
        step = _map("", module, torch, problems)  # one library module as the whole model
        return ([step] if step else []), problems
    try:
        graph_module = _fx_graph(module, torch)
    except Exception as err:  # fx raises many kinds (TraceError, TypeError …)
        first = str(err).splitlines()[0] if str(err) else ""
        return _read_exported(module, torch, input_shape, f"{type(err).__name__}: {first[:200]}")
    steps: list[_Step] = []
    source: dict[Any, int] = {}  # fx node -> index of the step whose output it is (-1: input)
    tuples: set[Any] = set()  # fx nodes of modules that return a tuple (nn.LSTM)
    firsts: dict[Any, Any] = {}  # fx node of item 0 of such a tuple -> the tuple's node
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
        if node.op == "call_function" and node.target is operator.getitem and \
                _getitem(node, steps, source, tuples, firsts, problems, where):
            continue
        if node.op == "call_module":
            target = graph_module.get_submodule(node.target)
            step = _module_step(node.target, target, node.name, torch, steps, owner, problems)
            if step is not None and node.target not in owner:
                owner[node.target] = len(steps)
        elif node.op == "call_function" and isinstance(node.target, type) and \
                all(u.op == "output" for u in node.users):
            continue  # packs the outputs (torchvision's InceptionOutputs(x, aux))
        else:
            path = f"{where}:{node.name}"
            step = _map_call(path, _Call(_target_name(node), tuple(node.args[1:]),
                                         dict(node.kwargs)), problems, node, source)
        if _append(steps, source, step, node, reads) and node.op == "call_module" and \
                REGISTRY[step.kind][0].torch_tuple_output:
            tuples.add(node)
    return steps, problems


def _module_step(path: str, target: Any, node_name: str, torch, steps: list[_Step],
                 owner: dict[str, int], problems: list[str]) -> _Step | None:
    """The step of one call of the library module ``target`` at ``path`` (either reader):
    trainable unless its parameters are frozen (a mix is refused), and when the module
    was called before (``owner``), sharing that call's weights, counted once."""
    step = _map(path, target, torch, problems)
    if step is None:
        return None
    grads = [p.requires_grad for p in target.parameters()]
    if len(set(grads)) > 1:
        problems.append(f"{path} ({type(target).__name__}): some parameters are frozen "
                        "(requires_grad=False) and some are not")
    step.trainable = all(grads)
    if path in owner:  # a module applied again: its weights count once
        first = steps[owner[path]]
        first.name = first.name or path
        step.name, step.shares, step.modules = node_name, first.name, []
    return step


def _fx_graph(module: Any, torch) -> Any:
    """``torch.fx``'s graph of ``module``; to_torch's merges stay one node each."""

    class Tracer(torch.fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return getattr(m, "symparams_merge", False) or super().is_leaf_module(m, qualname)

    return torch.fx.GraphModule(module, Tracer().trace(module))


def _append(steps: list[_Step], source: dict, step: _Step | None, node: Any,
            reads: list[int]) -> bool:
    """Add ``step``, the layer of graph node ``node`` that reads the steps ``reads``; True
    when it is a step of its own (not refused, not passed on, not fused into the one
    before: ``AdaptiveAvgPool2d(1)`` then flatten is one global pooling)."""
    if step is None or step.kind == "same":  # refused, or its input passed on
        if reads:
            source[node] = reads[0]
        return False
    cls = REGISTRY[step.kind][0]
    if step.kind == Flatten.kind and len(reads) == 1 and reads[0] >= 0:
        before = steps[reads[0]]
        fused = REGISTRY[before.kind][0].torch_before_flatten(before.options)
        if fused is not None and before.users == 0 and len(node.all_input_nodes[0].users) == 1:
            before.kind, before.options = fused
            before.modules += step.modules
            before.label += f", then {step.label}"
            source[node] = reads[0]
            return False
    step.reads = tuple(reads) if cls.arity is None else tuple(reads[:1]) or (-1,)
    for r in step.reads:
        if r >= 0:
            steps[r].users += 1
    source[node] = len(steps)
    steps.append(step)
    return True


def _exported(module: Any, torch, input_shape: Any) -> Any:
    """``torch.export``'s program of ``module`` on zeros of ``input_shape`` (with a batch
    of 2 in front, as batch norm in training mode needs two values per channel, else as
    given; floats, else token ids), or the error of the first try.  Export traces with
    fake tensors: nothing is computed, whatever the sizes."""
    try:
        sizes = tuple(int(v) for v in input_shape) if isinstance(input_shape, (tuple, list)) \
            else (int(input_shape),)
    except (TypeError, ValueError) as err:
        return err
    device = next((p.device for p in module.parameters()), torch.device("cpu"))
    error: Exception | None = None
    for shape in ((2, *sizes), sizes):
        for dtype in (torch.float32, torch.long):
            try:
                example = torch.zeros(shape, dtype=dtype, device=device)
                return torch.export.export(module, (example,), strict=False)
            except Exception as err:  # export raises many kinds
                error = error or err
    return error


def _read_exported(module: Any, torch, input_shape: Any, why_not_fx: str
                   ) -> tuple[list[_Step], list[str]]:
    """The steps of a model that ``torch.fx`` cannot trace (a forward that branches on a
    size), from ``torch.export``'s graph: each call of a library module is the group of
    graph nodes its ``nn_module_stack`` names, read through that module; an operation
    outside the modules is read as the function it is (``aten.add`` as ``add``)."""
    where = type(module).__name__
    program = _exported(module, torch, input_shape)
    if isinstance(program, Exception):
        first = str(program).splitlines()[0] if str(program) else ""
        return [], [f"{where}: torch.fx cannot trace its forward ({why_not_fx}), nor "
                    f"torch.export ({type(program).__name__}: {first[:200]})"]
    user_inputs = set(program.graph_signature.user_inputs)
    problems: list[str] = []
    steps: list[_Step] = []
    source: dict[Any, int] = {}
    owner: dict[str, int] = {}  # module path -> the step of its first call
    open_call: dict[str, int] = {}  # nn_module_stack key of a call -> its step
    known = _by_module()

    def call_of(node: Any) -> tuple[str, str] | None:
        """(stack key, path) of the innermost library module call the node belongs to."""
        stack = node.meta.get("nn_module_stack") or {}
        return next(((key, path) for key, (path, kind) in reversed(list(stack.items()))
                     if kind.startswith("torch.nn.") and kind.rsplit(".", 1)[-1] in known
                     and path), None)

    members: dict[str, list[Any]] = {}  # stack key -> the nodes of that call
    for node in program.graph.nodes:
        if node.op == "call_function" and call_of(node) is not None:
            members.setdefault(call_of(node)[0], []).append(node)
    for node in program.graph.nodes:
        if node.op == "placeholder":
            if node.name in user_inputs:
                if -1 in source.values():
                    problems.append(f"{where}: forward takes more than one input ({node.name})")
                source[node] = -1
            continue
        if node.op == "output":
            break
        call = call_of(node)
        if call is not None and call[0] in open_call:  # inside a call already read
            source[node] = open_call[call[0]]
            continue
        reads = [source[n] for n in node.all_input_nodes if n in source]
        if call is not None:
            key, path = call
            inside = set(members[key])  # what the call reads: any of its nodes' inputs
            reads = list(dict.fromkeys(source[n] for m in members[key]
                                       for n in m.all_input_nodes
                                       if n in source and n not in inside))
            target = module.get_submodule(path)
            step = _module_step(path, target, node.name, torch, steps, owner, problems)
            if _append(steps, source, step, node, reads):
                owner.setdefault(path, len(steps) - 1)
                open_call[key] = len(steps) - 1
            elif node in source:
                open_call[key] = source[node]
            continue
        if node.target is operator.getitem:  # an item of a tuple: the tuple's step
            if reads:
                source[node] = reads[0]
            continue
        name = getattr(getattr(node.target, "_overloadpacket", None), "__name__", None) \
            or _target_name(node)
        step = _map_call(f"{where}:{node.name}", _Call(name, tuple(node.args[1:]),
                                                        dict(node.kwargs)), problems, node, source)
        _append(steps, source, step, node, reads)
    return steps, problems


def _getitem(node: Any, steps: list[_Step], source: dict, tuples: set, firsts: dict,
             problems: list[str], where: str) -> bool:
    """Read ``x[...]`` on the output of a module that returns a tuple (``nn.LSTM``): item 0
    is the layer's output, ``[:, -1]`` of it (its last position) the layer with
    ``return_sequences=False``; other items (the final states) are refused when used.
    True when the node is read (or refused) here; False leaves it to the function table."""
    tensor, index = node.args[0], node.args[1]
    if tensor in tuples:
        step = steps[source[tensor]]
        if isinstance(index, int) and not isinstance(index, bool) and index == 0:
            source[node] = source[tensor]
            firsts[node] = tensor
        elif node.users:
            problems.append(f"{where}:{node.name} (getitem): item {index!r} of the output of "
                            f"{step.spec} is read; only item 0, its output sequence, is "
                            "supported (take the last step as output[:, -1])")
        return True
    if tensor in firsts and _last_position(index):
        step = steps[source[tensor]]
        others = [u for u in firsts[tensor].users if u is not tensor and u.users]
        if step.options.get("return_sequences") is True and step.users == 0 and \
                len(tensor.users) == 1 and not others:
            step.options["return_sequences"] = False
            step.label += ", then [:, -1]"
            source[node] = source[tensor]
            return True
    return False


def _last_position(index: Any) -> bool:
    """Whether ``index`` is ``[:, -1]`` or ``[:, -1, :]`` (batch first: the last position)."""
    whole = slice(None)
    return (isinstance(index, tuple) and len(index) in (2, 3) and index[0] == whole
            and isinstance(index[1], int) and not isinstance(index[1], bool) and index[1] == -1
            and all(i == whole or i is Ellipsis for i in index[2:]))


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
    cls = _by_module().get(name) if type(m).__module__.startswith("torch.nn.") else None
    if cls is None:
        return refuse("")
    options = cls.torch_read(m)
    if isinstance(options, str):
        return refuse(options)
    return step(cls.kind, **options)


def _map_call(path: str, call: _Call, problems: list[str], node: Any = None,
              source: dict | None = None) -> _Step | None:
    label = f"{call.name}(…)"
    tensors = [n for n in node.all_input_nodes if n in source] if node is not None else []
    cls = _by_function().get(call.name)
    if cls is not None and cls.arity is None and len(tensors) <= 1:
        return _Step(path, label, "same", {})  # x + 1, cat([x], 1): the input's shape
    if cls is None and call.name in SHAPE_KEEPING:
        if len(tensors) <= 1:
            return _Step(path, label, "same", {})
        problems.append(f"{path} ({call.name}): {call.name} of two tensors is not supported "
                        "(add, multiply and cat are)")
        return None
    if cls is None:
        problems.append(f"{path} ({call.name}): function not supported"
                        + ("; use torch.flatten(x, 1)" if call.name in ("view", "reshape") else ""))
        return None
    options = cls.torch_read_call(call.name, call.args, call.kwargs)
    if isinstance(options, str):
        problems.append(f"{path} ({call.name}): {options}")
        return None
    return _Step(path, label, cls.kind, options)


def _input_sizes(input_shape: Iterable[int], steps: list[_Step]) -> tuple[tuple[int, ...], bool]:
    """Channels-first sizes without the batch, as ints, and whether they are a sequence
    ``(T, features)`` (features last: the first layer that fixes the rank reads batch-first
    sequences, as ``nn.LSTM(batch_first=True)``; its options say ``sequence=True``)."""
    try:
        sizes = tuple(input_shape)
    except TypeError:
        sizes = (input_shape,)
    if not sizes or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in sizes):
        raise SpecError(f"input_shape must be positive integers such as (3, 224, 224), "
                        f"got {input_shape!r}")
    rank, fixer = None, None  # channels + spatial axes the first rank-fixing layer expects
    for s in steps:
        cls = REGISTRY[s.kind][0]
        ranks = cls.torch_input_ranks(s.options)
        if ranks is not None and (len(ranks) == 1 or cls.vector):  # Linear: a vector first
            rank, fixer = ranks[0] + 1, s
        elif cls.keeps_shape:
            continue  # an activation, BatchNorm1d: look further
        break
    sequence = fixer is not None and fixer.options.get("sequence") is True
    if rank is not None and len(sizes) == rank + 1:
        sizes = sizes[1:]
    elif rank is not None and len(sizes) != rank:
        order = "length, features" if sequence else "channels first"
        raise SpecError(f"input_shape {tuple(sizes)} does not fit {fixer.spec}: "
                        f"expected {rank} sizes ({order}), or {rank + 1} with the batch")
    if len(sizes) > 4:
        raise SpecError(f"input_shape {sizes} has more than 3 spatial axes")
    return sizes, sequence


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


class _Names:
    """What a layer's ``from_torch`` calls to name its values: ``names(group, value,
    letter)`` is ``value``, or the symbol ``symbolize`` asks for (``c3`` for the third
    conv's channels).  ``index`` is the number after the letter: by default the step's
    count among its kind, None a count per letter, 0 none."""

    def __init__(self, plan: "_Plan", path: str, count: int, last: bool, ndim: int):
        self.plan, self.path, self.count, self.last = plan, path, count, last
        self.axes = AXIS_NAMES.get(ndim, ())

    def __call__(self, group: str, value: Any, letter: str, index: Any = "count") -> Any:
        index = self.count if index == "count" else index
        return self.plan.value(self.path, group, value, letter, index, self.axes)


def _network(steps: list[_Step], sizes: tuple[int, ...], plan: _Plan, name: str,
             sequence: bool = False) -> Network:
    if sequence:  # (T, features): a sequence, features last
        *spatial, channels = sizes
    else:
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
                                 sequence=sequence, spec="input")]
    counts: Counter[str] = Counter()
    last_of_kind = {s.kind: i for i, s in enumerate(steps)}
    for i, s in enumerate(steps):
        counts[s.kind] += 1
        cls = REGISTRY[s.kind][0]
        names = _Names(plan, s.path, counts[s.kind], last_of_kind[s.kind] == i,
                       s.options.get("ndim", 0))
        layer = replace(cls.from_torch(s.options, names), spec=s.spec)
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
        allowed = REGISTRY[step.kind][0].torch_input_ranks(o)
        if allowed is not None and row.input_shape.rank not in allowed:
            expected = "vector or 1-D" if allowed == (0, 1) else f"{allowed[0]}-D"
            raise ShapeError(f"{where}: expects a {expected} input, gets "
                             f"{row.input_shape.rank}-D")
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
               if not (r.layer.has_torch_module() or r.layer.composite or r.layer.arity is None)]
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
            module = (_graph_class(torch).Merge(r.layer.kind) if r.layer.arity is None
                      else r.layer.to_torch(torch.nn, r))
            if r.layer.ties is not None:  # one matrix: nn.Linear's (V, d) is nn.Embedding's
                module.weight = owners[r.layer.ties].weight
            if r.layer.torch_tuple_output:
                module = _graph_class(torch).FirstOutput(
                    module, last=getattr(r.layer, "return_sequences", True) is False)
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

    class FirstOutput(nn.Module):
        """The first item of a module's tuple output (``nn.LSTM``'s output sequence),
        or its last position ``[:, -1]`` (batch first) with ``last``."""

        def __init__(self, module, last: bool = False):
            super().__init__()
            self.module, self.last = module, last

        def forward(self, x):
            out = self.module(x)[0]
            return out[:, -1] if self.last else out

        def extra_repr(self) -> str:
            return "output[:, -1]" if self.last else "output"

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
    GraphNet.FirstOutput = FirstOutput
    _GRAPH_CLASS.append(GraphNet)
    return GraphNet


__all__ = ["from_torch", "to_torch", "import_torch", "GROUPS"]
