"""Seeded exam variants: draw values, keep only valid and distinct networks, ask the
template's questions, answer them with the engine, build worked solutions and the
distractors of the classic mistakes.

Writers never compute: everything they print is in the :class:`Exam` built here.
Text is kept as :class:`Seg` runs (plain text, or LaTeX maths) so that each writer
escapes the plain text for its own format.
"""

from __future__ import annotations

import random
from math import prod
from dataclasses import dataclass, field
from typing import Any

from symparams.core.errors import ShapeError, SpecError, SymparamsError, shorten
from symparams.core.working import Step
from symparams.export.exam.mistakes import MISTAKES, simulate, smallest_input
from symparams.export.exam.template import Question, Template

MAX_COUNT = 10_000
"""The most variants one call may generate."""
SCAN_LIMIT = 4096
"""The largest input size the backwards question scans."""


@dataclass(frozen=True)
class Seg:
    """A run of plain text (``math=False``) or of LaTeX maths."""

    text: str
    math: bool = False


def T(text: str) -> Seg:  # noqa: N802
    return Seg(text)


def M(tex: str) -> Seg:  # noqa: N802
    return Seg(tex, True)


def mixed(text: str) -> list[Seg]:
    """A layer file's letters text (``input size $n$, kernel $k$``) as runs."""
    parts = text.split("$")
    return [Seg(p, bool(i % 2)) for i, p in enumerate(parts) if p]


@dataclass(frozen=True)
class Distractor:
    mistake: str
    answer: Any


@dataclass(frozen=True)
class Blank:
    """One blank of a table question: which row and what, and its value."""

    row: int
    label: str
    value: int


@dataclass
class Item:
    """One question of one variant."""

    number: int
    type: str
    points: int
    choice: bool
    question: list[Seg]
    answer: Any  # int, or a tuple of ints for a shape
    answer_text: list[Seg]
    solution: list[list[Seg]]
    distractors: list[Distractor] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    blanks: list[Blank] = field(default_factory=list)
    other_spec: str | None = None
    options: list[tuple[Any, str | None]] = field(default_factory=list)
    """Multiple choice: (answer, None) and each distractor (answer, mistake), shuffled."""


@dataclass
class Variant:
    index: int
    label: str
    seed: int
    values: dict[str, Any]
    spec: str
    derivation: Any
    items: list[Item] = field(default_factory=list)


@dataclass
class Report:
    draws: int = 0
    invalid: list[tuple[dict, str]] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.draws} draws, {len(self.invalid)} invalid, {len(self.duplicates)} "
               "duplicates redrawn"]
        for values, why in self.invalid[:20]:
            out.append(f"  invalid {_values_text(values)}: {shorten(why, 160)}")
        for values in self.duplicates[:20]:
            out.append(f"  duplicate {_values_text(values)}")
        return out


class Unaskable(SpecError):
    """A question that this draw cannot ask (two layers tie for the most parameters):
    the draw is replaced."""


@dataclass
class Exam:
    template: Template
    seed: int
    variants: list[Variant]
    report: Report


def _values_text(values: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def label(index: int) -> str:
    """A, B, … Z, then A2, B2, …"""
    letter = chr(ord("A") + index % 26)
    return letter if index < 26 else f"{letter}{index // 26 + 1}"


# -- drawing ---------------------------------------------------------------------------
def derive(template: Template, values: dict[str, Any]):
    """The filled spec and its derivation, or ShapeError/SpecError for an invalid draw."""
    from symparams.notation.compact import parse

    spec = template.fill(values)
    d = parse(spec, name=template.title).derive()
    if not d.is_numeric():
        raise SpecError(f"symbols left unset: {', '.join(d.symbols)}")
    if not d.valid({}):
        raise ShapeError("a condition does not hold")
    if template.exact:
        parse(spec).derive(assume_divisible=True)  # ShapeError when a stride does not divide
    return spec, d


def draw_values(template: Template, rng: random.Random) -> dict[str, Any]:
    return {name: rng.choice(choices) for name, choices in template.draw.items()}


def generate(template: Template, count: int = 10, seed: int = 0, *,
             max_draws: int | None = None, questions: bool = True) -> Exam:
    """``count`` distinct valid variants.  The master ``random.Random(seed)`` gives each
    attempt its own seed; a variant is ``random.Random(its seed)`` drawing every symbol
    in the template's order, so one variant can be remade from its seed alone."""
    if type(count) is not int or not 1 <= count <= MAX_COUNT:
        raise SpecError(f"--count must be from 1 to {MAX_COUNT}")
    master = random.Random(seed)
    report = Report()
    seen: set[tuple] = set()
    variants: list[Variant] = []
    limit = max_draws if max_draws is not None else 20 * count + 200
    while len(variants) < count:
        if report.draws >= limit:
            from collections import Counter

            why = Counter(reason for _, reason in report.invalid).most_common(1)
            raise SpecError(f"only {len(variants)} distinct valid variants in {limit} draws "
                            f"({len(report.invalid)} invalid, {len(report.duplicates)} "
                            "duplicates): widen the [draw] ranges or ask for fewer"
                            + (f"; most invalid draws: {shorten(why[0][0], 200)}" if why else ""))
        report.draws += 1
        vseed = master.randrange(2 ** 32)
        values = draw_values(template, random.Random(vseed))
        key = tuple(values.items())
        if key in seen:
            report.duplicates.append(values)
            continue
        try:
            spec, d = derive(template, values)
        except (ShapeError, SpecError) as err:
            report.invalid.append((values, str(err)))
            seen.add(key)
            continue
        seen.add(key)
        variant = Variant(len(variants), label(len(variants)), vseed, values, spec, d)
        if questions:
            try:
                variant.items = [ask(template, variant, q, n)
                                 for n, q in enumerate(template.questions, 1)]
            except Unaskable as err:
                report.invalid.append((values, str(err)))
                continue
        variants.append(variant)
    return Exam(template, seed, variants, report)


def variant_from_seed(template: Template, seed: int, *, questions: bool = True) -> Variant:
    """The variant a seed draws (what a variant's recorded seed remakes)."""
    return variant_from_values(template, draw_values(template, random.Random(seed)), seed,
                               questions=questions)


def variant_from_values(template: Template, values: dict[str, Any], seed: int = 0, *,
                        questions: bool = True) -> Variant:
    """A variant with the values given (each a value its symbol may be drawn from)."""
    for name, value in values.items():
        if name not in template.draw or value not in template.draw[name]:
            raise SpecError(f"{name} = {shorten(repr(value))} is not one of the template's values")
    if set(values) != set(template.draw):
        raise SpecError("give a value for every drawn symbol: " + ", ".join(template.draw))
    values = {name: values[name] for name in template.draw}
    spec, d = derive(template, values)
    v = Variant(0, "A", seed, values, spec, d)
    if questions:
        v.items = [ask(template, v, q, n) for n, q in enumerate(template.questions, 1)]
    return v


# -- questions -------------------------------------------------------------------------
def shape_tex(dims) -> str:
    return r" \times ".join(str(int(x)) for x in dims)


def _row(d, key) -> Any:
    try:
        return d.row(key)
    except KeyError as err:
        raise SpecError(str(err.args[0])) from None


def _where(row) -> str:
    return f"layer {row.index} ({row.name})"


def ask(template: Template, v: Variant, q: Question, number: int) -> Item:
    d = v.derivation
    sim = {m: simulate(d, m) for m in MISTAKES}
    if sim[None] is None:
        sim = {}  # the network has a kind the mistake simulator does not know: no distractors
    maker = _QUESTIONS[q.type]
    item = maker(template, v, q, number, d, sim)
    options = [(item.answer, None)] + [(x.answer, x.mistake) for x in item.distractors]
    random.Random(v.seed * 1000 + number).shuffle(options)
    item.options = options
    return item


def _distractors(item: Item, sim: dict, pick) -> None:
    if not sim:
        item.dropped.append("no distractors: a layer kind the mistakes do not cover")
        return
    seen = [item.answer]
    for mistake, text in MISTAKES.items():
        if mistake is None or sim.get(mistake) is None:
            continue
        try:
            wrong = pick(sim[mistake])
        except (IndexError, KeyError, ValueError):
            continue
        if wrong is None:
            continue
        if wrong in seen:
            item.dropped.append(text)
            continue
        seen.append(wrong)
        item.distractors.append(Distractor(text, wrong))


def _steps_line(step: Step, row) -> list[Seg]:
    step = exam_step(step, row)
    return ([T(f"{step.layer}, {step.what}: "), M(step.formula), T(" (")] + mixed(step.letters)
            + [T("): "), M(step.math())])


def exam_step(step: Step, row) -> Step:
    """The step as the layer file writes it: its letters already stay distinct within a
    solution (a convolution's ``(k × k × l + 1) × f``, a dense layer's
    ``(n_in + 1) × n_out``)."""
    return step


def size_lines(d, upto: int) -> list[list[Seg]]:
    from symparams.export.worked import size_steps

    lines: list[list[Seg]] = [[T("input: "), M(shape_tex(d.input_shape.dims()))]]
    for row in d.rows[:upto]:
        steps = size_steps(row)
        for s in steps:
            lines.append(_steps_line(s, row))
        if not steps:
            same = row.output_shape == row.input_shape
            lines.append([T(f"{row.name}: output "), M(shape_tex(row.output_shape.dims()))]
                         + ([T(" (shape unchanged)")] if same else []))
        elif len(row.output_shape.dims()) > 1:
            lines.append([T(f"{row.name}: output "), M(shape_tex(row.output_shape.dims()))])
    return lines


def param_lines(d, rows) -> list[list[Seg]]:
    from symparams.export.worked import param_steps

    lines = []
    for row in rows:
        steps = param_steps(row, d.convention)
        for s in steps:
            lines.append(_steps_line(s, row))
        if not steps:
            lines.append([T(f"{row.name}: no weights, 0 parameters")])
    return lines


def _network_segs() -> list[Seg]:
    return [T("For the network in the table")]


def _shape_q(template, v, q, number, d, sim) -> Item:
    row = _row(d, q.layer)
    dims = tuple(int(x) for x in row.output_shape.dims())
    what = [M(r"\text{height} \times \text{width} \times \text{channels}")] if len(dims) == 3 \
        else [T("the sizes, channels last")]
    item = Item(number, "shape", q.points, q.choice,
                _network_segs() + [T(f", what is the shape of the output of {_where(row)}? "
                                     "Give it as ")] + what + [T(".")],
                dims, [M(shape_tex(dims))], size_lines(d, row.index) +
                [[T("Answer: "), M(shape_tex(dims))]])
    _distractors(item, sim, lambda s: s.rows[row.index - 1].shape)
    return item


def _flat_row(d):
    for row in d.rows:
        if row.layer.kind == "flatten":
            return row
    raise SpecError("the flatten question needs a flatten layer (F) in the network")


def _flatten_q(template, v, q, number, d, sim) -> Item:
    row = _flat_row(d)
    units = int(row.output_shape.channels)
    item = Item(number, "flatten", q.points, q.choice,
                _network_segs() + [T(", how many units does the flatten layer "
                                     f"({row.name}) output?")],
                units, [M(str(units))], size_lines(d, row.index) + [[T("Answer: "), M(str(units))]])
    _distractors(item, sim, lambda s: s.rows[row.index - 1].shape[0])
    return item


def _params_q(template, v, q, number, d, sim) -> Item:
    row = _row(d, q.layer)
    value = int(row.params)
    item = Item(number, "params", q.points, q.choice,
                _network_segs() + [T(f", how many trainable parameters does {_where(row)} "
                                     "have (weights and biases)?")],
                value, [M(str(value))],
                size_lines(d, row.index - 1) + param_lines(d, [row]) +
                [[T("Answer: "), M(str(value))]])
    _distractors(item, sim, lambda s: s.rows[row.index - 1].params)
    return item


def _total_q(template, v, q, number, d, sim) -> Item:
    from symparams.export.worked import _sum_step

    value = int(d.total)
    closing = _sum_step("total parameters", [r.params for r in d.rows], d.total)
    item = Item(number, "total", q.points, q.choice,
                _network_segs() + [T(", how many trainable parameters does the network "
                                     "have in total?")],
                value, [M(str(value))],
                size_lines(d, len(d.rows)) + param_lines(d, [r for r in d.rows if r.weights]) +
                [[T("total parameters: "), M(closing.math())], [T("Answer: "), M(str(value))]])
    _distractors(item, sim, lambda s: sum(r.params for r in s.rows))
    return item


def _largest_q(template, v, q, number, d, sim) -> Item:
    params = [int(r.params) for r in d.rows]
    best = max(params)
    if params.count(best) > 1:
        raise Unaskable("two layers tie for the most parameters")
    row = d.rows[params.index(best)]
    item = Item(number, "largest", q.points, q.choice,
                _network_segs() + [T(", which layer has the most parameters? Give its number "
                                     f"(1 to {len(d.rows)}).")],
                row.index, [M(str(row.index)), T(f" ({row.name}, {best} parameters)")],
                size_lines(d, len(d.rows)) + param_lines(d, [r for r in d.rows if r.weights]) +
                [[T(f"Answer: layer {row.index} ({row.name}) with "), M(str(best)),
                  T(" parameters")]])

    def pick(s):
        ps = [r.params for r in s.rows]
        return ps.index(max(ps)) + 1

    _distractors(item, sim, pick)
    return item


def _compare_q(template, v, q, number, d, sim) -> Item:
    rng = random.Random(v.seed ^ 0x5EED)
    other = None
    for _ in range(200):
        values = draw_values(template, rng)
        try:
            spec, od = derive(template, values)
        except (ShapeError, SpecError):
            continue
        if od.total != d.total:
            other = (values, spec, od)
            break
    if other is None:
        raise SpecError("no second valid variant with a different total for the compare question")
    _, ospec, od = other
    a, b = int(d.total), int(od.total)
    answer = 1 if a < b else 2
    item = Item(number, "compare", q.points, q.choice,
                [T("Network 1 is the network in the table; network 2 is "
                   f"{ospec}. Which of the two has fewer parameters? Answer 1 or 2.")],
                answer, [M(str(answer))],
                [[T("network 1, ")] + line for line in param_lines(d, [r for r in d.rows if r.weights])] +
                [[T("network 1: total parameters "), M(_sum_math(d))]] +
                [[T("network 2, ")] + line for line in param_lines(od, [r for r in od.rows if r.weights])] +
                [[T("network 2: total parameters "), M(_sum_math(od))]] +
                [[T(f"Answer: network {answer} ("), M(f"{min(a, b)} < {max(a, b)}"), T(")")]],
                other_spec=ospec)
    item.distractors = [Distractor("the network with more parameters", 3 - answer)]
    return item


def _sum_math(d) -> str:
    from symparams.export.worked import _sum_step

    return _sum_step("total parameters", [r.params for r in d.rows], d.total).math()


def _input_q(template, v, q, number, d, sim) -> Item:
    from symparams.notation.compact import parse

    sym = q.symbol or next(iter(template.draw))
    row = _row(d, q.layer)
    target = tuple(int(x) for x in row.output_shape.dims())
    rest = {k: val for k, val in v.values.items() if k != sym}
    general = parse(template.fill(rest)).derive()
    if sym not in general.symbols:
        raise SpecError(f"input_size: {sym} is not a symbol of the network")
    gsym = general.symbols[sym]
    grow = general.row(row.index)
    dims = grow.output_shape.dims()
    bound = min(SCAN_LIMIT, 2 * max(x for x in template.draw[sym] if isinstance(x, int)) + 64)
    answer = None
    for n in range(1, bound + 1):
        got = tuple(x.xreplace({gsym: n}) for x in dims)
        if all(x.is_Integer for x in got) and tuple(int(x) for x in got) == target \
                and general.valid({sym: n}):
            answer = n
            break
    if answer is None:  # cannot happen: the drawn value gives the target
        raise SpecError("input_size: no input size found")
    at = general.subs({sym: answer})
    lines = [[T("try "), M(f"{sym} = {answer}"), T(":")]] + size_lines(at, row.index)
    try:
        below = general.subs({sym: answer - 1}) if answer > 1 else None
        if below is not None and not below.valid({}):
            below = None
    except SymparamsError:
        below = None
    if below is None:
        lines.append([M(f"{sym} = {answer - 1}"),
                      T(f" gives no valid network, so {answer} is the smallest")])
    else:
        lines.append([M(f"{sym} = {answer - 1}"), T(" gives "),
                      M(shape_tex(below.row(row.index).output_shape.dims())),
                      T(f" instead, so {answer} is the smallest")])
    lines.append([T("Answer: "), M(f"{sym} = {answer}")])
    item = Item(number, "input_size", q.points, q.choice,
                [T("Suppose the input of the network in the table were "),
                 M(_input_tex(template, rest)), T(" instead of "),
                 M(shape_tex(d.input_shape.dims())), T(". What is the smallest "), M(sym),
                 T(f" for which {_where(row)} outputs "), M(shape_tex(target)), T("?")],
                answer, [M(str(answer))], lines)
    if sim:
        sims = {m: smallest_input(d, m, target, row.index, bound) for m in MISTAKES if m}
        _distractors(item, {None: True, **sims}, lambda s: s)
    return item


def _input_tex(template, rest) -> str:
    from symparams.notation.compact import parse

    shape = parse(template.fill(rest)).derive().input_shape
    from symparams.export.latex import printer

    return r" \times ".join(printer().doprint(x) for x in shape.dims())


def _table_q(template, v, q, number, d, sim) -> Item:
    blanks = []
    for row in d.rows:
        for axis, x in enumerate(row.output_shape.dims()):
            blanks.append(Blank(row.index, f"output size {axis + 1}", int(x)))
        blanks.append(Blank(row.index, "parameters", int(row.params)))
    item = Item(number, "table", q.points, q.choice,
                _network_segs() + [T(", fill in the output shape and the number of "
                                     "parameters of every layer.")],
                [b.value for b in blanks], [T("see the table")],
                size_lines(d, len(d.rows)) + param_lines(d, [r for r in d.rows if r.weights]),
                blanks=blanks)
    return item


def mac_lines(rows) -> list[list[Seg]]:
    from symparams.export.worked import mac_steps

    lines = []
    for row in rows:
        for s in mac_steps(row):
            lines.append(_steps_line(s, row))
    return lines


MAC_MISTAKES = {
    "flops": "counted FLOPs, two per multiply–accumulate",
    "bias": "counted the bias additions as multiply–accumulates",
    "input_size": "used the input's size instead of the output's",
    "channels": "forgot the input channels",
}
"""The slips of counting a layer's MACs: the bias only for a convolution or a dense
layer (one addition per output element), the last two only for a convolution, where each
output element takes the kernel over the input channels (of its group)."""


def _macs_q(template, v, q, number, d, sim) -> Item:
    """Multiply–accumulates of one layer for one input; distractors from the classic
    slips of counting them (FLOPs for MACs, the bias, the input size, the channels)."""
    row = _row(d, q.layer)
    if row.layer.composite:
        raise SpecError(f"the macs question is asked of one layer, not of a block or repeat "
                        f"({_where(row)}): name a layer inside it")
    value = int(row.macs)
    if value == 0:
        raise SpecError(f"the macs question needs a layer with multiply–accumulates; "
                        f"{_where(row)} has none")
    item = Item(number, "macs", q.points, q.choice,
                _network_segs() + [T(f", how many multiply–accumulate operations (MACs) does "
                                     f"{_where(row)} perform for one input (batch size 1)?")],
                value, [M(str(value))],
                size_lines(d, row.index) + mac_lines([row]) +
                [[T("Answer: "), M(str(value))]])
    out_dims = [int(x) for x in row.output_shape.dims()]
    in_dims = [int(x) for x in row.input_shape.dims()]
    wrong = {"flops": 2 * value}
    if row.kind in ("conv1d", "conv2d", "conv3d", "dense") and any(w.name == "b"
                                                                   for w in row.weights):
        wrong["bias"] = value + prod(out_dims)  # one addition per output element
    if row.kind in ("conv1d", "conv2d", "conv3d"):
        spatial_in, spatial_out = prod(in_dims[:-1]), prod(out_dims[:-1])
        if spatial_in != spatial_out and value * spatial_in % spatial_out == 0:
            wrong["input_size"] = value * spatial_in // spatial_out
        channels = in_dims[-1] // int(row.layer.groups)  # each output sees its group's
        if channels > 1 and value % channels == 0:
            wrong["channels"] = value // channels
    seen = [value]
    for key, text in MAC_MISTAKES.items():
        if key not in wrong:
            continue
        if wrong[key] in seen:
            item.dropped.append(text)
            continue
        seen.append(wrong[key])
        item.distractors.append(Distractor(text, wrong[key]))
    return item


_QUESTIONS = {"shape": _shape_q, "flatten": _flatten_q, "params": _params_q, "total": _total_q,
              "largest": _largest_q, "compare": _compare_q, "input_size": _input_q,
              "table": _table_q, "macs": _macs_q}


def network_rows(d) -> list[tuple[str, str, str]]:
    """``(number, name, notation)`` of the input and every layer: the network as a table."""
    out = [("0", "input", d.network.input.spec or shape_tex(d.input_shape.dims()))]
    for row in d.rows:
        out.append((str(row.index), row.name, row.layer.spec or row.kind))
    return out


def answer_plain(answer: Any) -> str:
    if isinstance(answer, tuple):
        return " × ".join(str(x) for x in answer)
    if isinstance(answer, list):
        return ", ".join(str(x) for x in answer)
    return str(answer)


# -- stress test -----------------------------------------------------------------------
@dataclass
class Stress:
    draws: int
    invalid: list[tuple[dict, str]]
    distinct: int
    space: int
    answers: dict[int, list[Any]]  # question number -> answer of every valid draw

    def lines(self, template: Template) -> list[str]:
        from collections import Counter

        valid = self.draws - len(self.invalid)
        out = [f"stress test of {template.name}: {self.draws} draws, {len(self.invalid)} invalid "
               f"({100 * len(self.invalid) / self.draws:.1f}%), {self.distinct} distinct valid "
               f"variants of {self.space} possible value combinations"]
        reasons = Counter(why for _, why in self.invalid)
        for why, n in reasons.most_common(5):
            example = next(vals for vals, w in self.invalid if w == why)
            out.append(f"  invalid x{n}: {shorten(why, 140)} (e.g. {_values_text(example)})")
        for q in template.questions:
            number = template.questions.index(q) + 1
            answers = self.answers.get(number, [])
            if not answers:
                continue
            keys = [_key(a) for a in answers]
            counts = Counter(keys)
            top, n = counts.most_common(1)[0]
            numeric = [a for a in answers if isinstance(a, int)]
            span = (f"range {min(numeric)} to {max(numeric)}, " if numeric else "")
            out.append(f"  Q{number} {q.type}: {span}{len(counts)} distinct answers in {valid} "
                       f"valid draws; most common {top} ({100 * n / len(answers):.0f}%)")
            repeated = sum(1 for c in counts.values() if c > 1)
            if repeated:
                out.append(f"    {repeated} of the {len(counts)} answers come from more than "
                           "one draw")
            if n / len(answers) > 0.5:
                out.append("    warning: one answer for most draws; a student can guess it")
        return out


def _key(answer: Any) -> str:
    return answer_plain(tuple(answer) if isinstance(answer, list) else answer)


def stress(template: Template, count: int = 1000, seed: int = 0) -> Stress:
    """Draw ``count`` times (duplicates kept, as R/exams' stress test does), answer every
    question of each valid draw, and collect invalid draws and the answers."""
    if type(count) is not int or not 1 <= count <= MAX_COUNT:
        raise SpecError(f"--count must be from 1 to {MAX_COUNT}")
    from math import prod

    master = random.Random(seed)
    cache: dict[tuple, Any] = {}
    invalid: list[tuple[dict, str]] = []
    answers: dict[int, list[Any]] = {}
    for _ in range(count):
        vseed = master.randrange(2 ** 32)
        values = draw_values(template, random.Random(vseed))
        key = tuple(values.items())
        if key not in cache:
            try:
                spec, d = derive(template, values)
                v = Variant(0, "A", vseed, values, spec, d)
                v.items = [ask(template, v, q, n) for n, q in enumerate(template.questions, 1)]
                cache[key] = v
            except (ShapeError, SpecError) as err:
                cache[key] = str(err)
        got = cache[key]
        if isinstance(got, str):
            invalid.append((values, got))
            continue
        for item in got.items:
            answers.setdefault(item.number, []).append(item.answer)
    distinct = sum(1 for v in cache.values() if not isinstance(v, str))
    space = prod(len(c) for c in template.draw.values())
    return Stress(count, invalid, distinct, space, answers)
