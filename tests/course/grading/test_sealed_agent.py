"""The data format of sealed tests and the grader's side of it, without a kernel."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
import pytest

from resistlab.course.grading import sealed_agent as agent
from resistlab.course.grading.sealed import _error_output, _remote_exception, free_names
from resistlab.persisters import TwoStateRates


def _round(value):
    return agent.decode(agent.loads(agent.dumps(agent.encode(value))))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2**80,
        -0.5,
        "dose",
        b"\x00\x01",
        1 + 2j,
        [1, (2.0, "a")],
        {"parental": 0.1, (1, 2): [None]},
        {1, 2},
        frozenset({"a"}),
    ],
)
def test_plain_values_round_trip_exactly(value):
    result = _round(value)
    assert result == value and type(result) is type(value)


def test_non_finite_floats_round_trip():
    assert np.isnan(_round(float("nan"))) and _round(float("-inf")) == float("-inf")


def test_numpy_values_round_trip_with_dtype_and_shape():
    array = np.arange(12, dtype=np.int32).reshape(3, 4)
    assert _round(array).dtype == np.int32 and (_round(array) == array).all()
    scalar = _round(np.float32(1.5))
    assert isinstance(scalar, np.float32) and scalar == 1.5
    objects = np.array(["a", None, 2], dtype=object)
    assert _round(objects).tolist() == ["a", None, 2]


def test_pandas_tables_round_trip_equal():
    """`DataFrame.equals` (what tests use to check an input was not changed) holds after the
    round trip: dtypes, index, column order, names, categoricals."""
    frame = pd.DataFrame(
        {
            "sample_id": ["S2", "S1"],
            "signal": [100, 900],
            "beta": [0.1, 0.9],
            "call": pd.Categorical(["u", "m"]),
            "flag": [True, False],
        },
        index=pd.Index([10, 20], name="row"),
    )
    assert _round(frame).equals(frame)
    assert list(_round(frame).columns) == list(frame.columns)
    series = frame.set_index(["sample_id", "call"])["beta"]
    back = _round(series)
    assert back.equals(series) and back.index.names == ["sample_id", "call"]
    assert _round(pd.DataFrame()).empty


def test_random_generators_travel_with_their_state():
    rng = np.random.default_rng(7)
    rng.random(3)
    copy = _round(rng)
    assert copy is not rng and copy.random() == rng.random()


def test_resistlab_dataclasses_are_rebuilt_by_their_own_class():
    rates = TwoStateRates(0.025, 0.004, 0.09, 0.005, 5e-4, 2e-3)
    assert _round(rates) == rates and type(_round(rates)) is TwoStateRates


def test_no_class_outside_resistlab_and_no_pickle():
    with pytest.raises(agent.Unsendable):
        agent.decode({"$": "dc", "cls": "os:system", "v": {}})
    with pytest.raises(agent.Unsendable):
        agent.decode({"$": "dc", "cls": "resistlab.pharmacology:hill", "v": {}})
    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    pickled = {"$": "npy", "v": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(agent.Unsendable, match="not accepted"):
        agent.decode(pickled)


def test_size_and_depth_are_capped():
    deep = None
    for _ in range(agent.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(agent.Unsendable):
        agent.encode(deep)
    tree = json.loads(json.dumps(agent.encode([1])))
    for _ in range(agent.MAX_DEPTH + 2):
        tree = {"$": "list", "v": [tree]}
    with pytest.raises(agent.Unsendable):
        agent.decode(tree)
    with pytest.raises(agent.Unsendable):
        agent.loads("x" * (agent.MAX_BYTES + 1))


def test_sets_and_dicts_of_keys_of_one_hash_are_refused():
    """Review 67 A#2: a set of 50,000 integers of one hash (``k * (2**61 - 1)``), a test's
    answer, took the grader minutes to build in one call no time limit stops. Such sets and
    dicts are refused; sets of distinct values, a few equal hashes among them, pass."""
    same = [k * (2**61 - 1) for k in range(1, 2001)]
    # (review 68 A: as many of distinct hashes beside them had passed a rule of halves)
    for value in (set(same), {k: 0 for k in same}, set(same) | set(range(2001, 4001))):
        with pytest.raises(agent.Unsendable, match="2000 of them of one hash"):
            agent.decode(json.loads(json.dumps(agent.encode(value))))
    honest = set(range(-1000, 1000))  # (-1 and -2 share a hash)
    assert agent.decode(json.loads(json.dumps(agent.encode(honest)))) == honest


def test_lists_arrays_indexes_and_columns_of_values_of_one_hash_are_refused():
    """Review 71 A: a hidden test's own ``set(ld_summary.index)`` built a set of an answer's
    object index of 100,000 integers of one hash (sent as plain integers: no set, no dict),
    and held the grader 450 s in one call. Lists, tuples, object arrays, indexes and columns
    holding more than 64 distinct values of one hash are refused too, and so is a complex
    array; the same value many times, and honest tables, pass."""
    import numpy as np
    import pandas as pd

    same = [k * (2**61 - 1) for k in range(1, 2001)]
    column = np.empty(len(same), dtype=object)
    column[:] = same
    for value in (
        same,
        tuple(same),
        column,
        pd.Index(column),
        pd.DataFrame({"n": np.zeros(len(same))}, index=pd.Index(column)),
        pd.Series(column),
        [(k, 1) for k in same],
    ):
        with pytest.raises(agent.Unsendable, match="2000 values, 2000 of them of one hash"):
            agent.decode(json.loads(json.dumps(agent.encode(value))))
    honest = [
        [0] * 5000,
        ["resistant"] * 3000 + ["sensitive"] * 3000,
        pd.DataFrame({"call": ["R", "S"] * 2000}, index=pd.Index([str(i) for i in range(4000)])),
        list(range(-5000, 5000)),  # (-1 and -2 share a hash)
    ]
    # complex numbers of one hash come easily (a float array's cannot: at most a few dozen):
    # 299 of them, in one array sent as .npy bytes
    top = 2**64
    crowded = np.array(
        [
            complex((5 - 1000003 * i) % top, i)
            for i in ((k * top + 5) // 1000003 for k in range(1, 300))
        ]
    )
    with pytest.raises(agent.Unsendable, match="299 values, 299 of them of one hash"):
        agent.decode(json.loads(json.dumps(agent.encode(crowded))))
    honest.append(np.random.default_rng(0).random(20_000) + 1j)
    # review 72 A: a set of numpy's complex scalars of one hash, each sent as a .npy scalar
    # (no array, no Python complex: not counted), was built as it was decoded
    scalars = {np.complex128(c) for c in crowded.tolist()}
    with pytest.raises(agent.Unsendable, match="299 keys, 299 of them of one hash"):
        agent.decode(json.loads(json.dumps(agent.encode(scalars))))
    honest.append({np.float64(x) for x in range(5000)})
    for value in honest:
        got = agent.decode(json.loads(json.dumps(agent.encode(value))))
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(got, value)
        elif isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(got, value)
        else:
            assert got == value


def _hill_fits_of_one_hash(n: int) -> list:
    """``n`` distinct ``HillFit`` of one hash: CPython's tuple hash (xxHash's rounds over the
    fields' hashes) solved for the second field (review 73 A's construction)."""
    from resistlab.pharmacology import HillFit

    top, p1, p2, p5, prime = (
        2**64,
        11400714785074694791,
        14029467366897019727,
        2870177450012600261,
        2**61 - 1,
    )

    def rotl(x, r):
        return ((x << r) | (x >> (64 - r))) % top

    target = rotl((12345678901234567 * pow(p1, -1, top)) % top, 64 - 31)
    fits, a = [], 1
    while len(fits) < n:
        lane = (target - rotl((p5 + a * p2) % top, 31) * p1 % top) * pow(p2, -1, top) % top
        b = lane if lane < prime else (lane - top if lane > top - prime else None)
        if b is not None:
            fits.append(HillFit(a, b, 1, 1, 1, 1, 1, 1))
        a += 1
    return fits


def test_the_librarys_dataclasses_of_one_hash_are_refused():
    """Review 73 A: 32,900 ``HillFit`` of one hash as a table's column labels (the library's
    dataclasses were not counted) held the grader 8 minutes in a test's ``table["viability"]``,
    inside pandas, which cleared the time limit's exception at each comparison: 12/12,
    unflagged. They are counted as any other hashed value; distinct fits of distinct hashes
    pass."""
    import pandas as pd

    from resistlab.pharmacology import HillFit

    crowded = _hill_fits_of_one_hash(300)
    assert len({hash(f) for f in crowded}) == 1 and len(set(map(repr, crowded))) == 300
    for value in (crowded, pd.DataFrame(0.0, index=[0], columns=pd.Index(crowded, dtype=object))):
        with pytest.raises(agent.Unsendable, match="300 values, 300 of them of one hash"):
            agent.decode(json.loads(json.dumps(agent.encode(value))))
    honest = [HillFit(0.0, 1.0, float(k), 1.0, 0.1, 0.1, 0.1, 0.1) for k in range(1, 2000)]
    assert agent.decode(json.loads(json.dumps(agent.encode(honest)))) == honest


def test_a_multiindex_or_a_categorical_is_rebuilt_without_hashing_its_values(monkeypatch):
    """Review 68 A#1: a MultiIndex was sent as the values of its rows and rebuilt with
    ``from_arrays``, which factorizes each level: 100,000 integers of one hash (a kernel
    builds them from levels and codes at no cost) held the grader 69 s in one call. Levels
    and codes are sent now, and neither they nor a categorical's categories are hashed."""
    import numpy as np
    import pandas as pd

    same = np.empty(3, dtype=object)
    same[:] = [7 + (2**61 - 1) * k for k in (1, 2, 3)]
    index = pd.MultiIndex(
        levels=[pd.Index(same, dtype=object), pd.CategoricalIndex(["b", "a"])],
        codes=[np.array([0, 1, 2, -1]), np.array([1, 0, 1, 0])],
        names=["dose", "line"],
    )
    series = pd.Series([1.0, 2.0, 3.0, 4.0], index=index, name="kill")
    frame = pd.DataFrame({"call": pd.Categorical(["u", "m", "u", "u"], ordered=True)})
    sent = [json.loads(json.dumps(agent.encode(v))) for v in (series, frame)]

    def hashes(*args, **kwargs):
        raise AssertionError("decoding an answer hashed its values")

    for name in ("factorize", "factorize_array"):
        monkeypatch.setattr(pd.core.algorithms, name, hashes)
    monkeypatch.setattr(pd.MultiIndex, "from_arrays", hashes)
    got_series, got_frame = (agent.decode(tree) for tree in sent)
    monkeypatch.undo()
    pd.testing.assert_series_equal(got_series, series)
    pd.testing.assert_frame_equal(got_frame, frame)
    bad = json.loads(json.dumps(agent.encode(series)))
    bad["index"]["codes"][0] = agent.encode(np.array([0, 1, 2, 3]))["v"]
    with pytest.raises(agent.Unsendable, match="codes: outside -1 to 2"):
        agent.decode(bad)


def test_replies_of_many_tiny_containers_are_refused_before_parsing():
    """Review 2 #4: 3.2 million empty lists fit in 61 MiB of JSON but took 1.5 GB of the
    grader's memory to parse; the reply is refused on its counts. Real answers pass: a
    million floats (one array string) and 100,000 strings in a pandas object column."""
    import numpy as np
    import pandas as pd

    bomb = agent.dumps({"$": "list", "v": [{"$": "list", "v": []}] * 3_200_000})
    assert len(bomb) < agent.MAX_BYTES
    with pytest.raises(agent.Unsendable, match="lists and objects"):
        agent.loads(bomb)
    with pytest.raises(agent.Unsendable, match="values"):
        agent.loads("[" + "0," * (agent.MAX_ITEMS + 1) + "0]")
    floats = np.random.default_rng(7).random(1_000_000)
    got = agent.decode(agent.loads(agent.dumps(agent.encode(floats))))
    assert np.array_equal(got, floats)
    names = pd.DataFrame({"drug": [f"drug {i}" for i in range(100_000)]})
    got = agent.decode(agent.loads(agent.dumps(agent.encode(names))))
    pd.testing.assert_frame_equal(got, names)


def test_objects_that_are_not_data_become_handles():
    kept = []
    tree = agent.encode([len, object()], lambda obj: kept.append(obj) or {"$": "handle"})
    assert [t["$"] for t in tree["v"]] == ["handle", "handle"] and kept[0] is len
    with pytest.raises(agent.Unsendable):
        agent.encode(lambda: 1)


def test_student_exceptions_are_rebuilt_as_builtin_types_only():
    err = _remote_exception({"type": "ValueError", "message": "no zero count"})
    assert type(err) is ValueError and str(err) == "no zero count" and err.__rl_remote__
    assert type(_remote_exception({"type": "aGlkZGVu", "message": "x"})) is Exception
    assert type(_remote_exception({"type": "UnicodeDecodeError", "message": "x"})) in (
        ValueError,
        UnicodeError,
    )
    output = _error_output(
        _remote_exception({"type": "AssertionError", "message": "c2VjcmV0"}), ""
    )
    assert output.ename == "AssertionError" and output.evalue == ""
    assert _error_output(AssertionError("check the exponent"), "").evalue == "check the exponent"
    assert _error_output(KeyError("S1"), "").evalue == ""


def test_free_names_split_top_level_and_nested_reads():
    code = "import math\n_x = hill(1.0)\nassert all(f(v) for v in doses)\n_y = _x\n"
    top, nested = free_names(code)
    assert {"hill", "doses", "_x"} <= top and "math" not in top and nested == {"f"}


def test_arguments_changed_in_place_come_back_and_are_applied():
    """The agent reports the arguments a call changed; the grader changes its own copies, so
    a test that checks its input was left alone sees the change (and an unchanged argument
    is not reported)."""
    from resistlab.course.grading.sealed import _update_in_place

    def mutate(table, doses, untouched):
        table["beta"] = 1.0
        del table["a"]
        doses.append(99)
        return len(table)

    frame, doses, untouched = pd.DataFrame({"a": [1, 2]}), [1, 2], np.arange(3.0)
    request = {
        "op": "call",
        "target": agent._keep(mutate),
        "args": [agent.encode(v) for v in (frame, doses, untouched)],
        "kwargs": {},
    }
    answer = json.loads(agent.dumps(agent._run(request)))
    assert answer["value"] == 2 and sorted(answer["changed"]) == ["0", "1"]
    before = frame.copy()
    for key, value in ((0, frame), (1, doses)):
        _update_in_place(value, agent.decode(answer["changed"][str(key)]))
    assert not frame.equals(before)
    assert list(frame.columns) == ["beta"] and frame["beta"].tolist() == [1.0, 1.0]
    assert doses == [1, 2, 99]


def _npy_tree(header: dict, data: bytes = b"") -> dict:
    """A reply's array: a hand-written ``.npy`` header (as a kernel could forge it) + data."""
    from numpy.lib import format as npy_format

    buffer = io.BytesIO()
    npy_format.write_array_header_1_0(buffer, header)
    return {"$": "npy", "v": base64.b64encode(buffer.getvalue() + data).decode("ascii")}


@pytest.mark.parametrize(
    ("header", "data", "reason"),
    [
        ({"descr": "|V0", "fortran_order": False, "shape": (10**15,)}, b"", "zero-size"),
        ({"descr": "<U0", "fortran_order": False, "shape": (10**12, 10**6)}, b"", "zero-size"),
        ({"descr": "<f8", "fortran_order": False, "shape": (2**30,)}, b"\0" * 8, "needs"),
        ({"descr": "<f8", "fortran_order": False, "shape": (2**40, 2**40)}, b"", "needs"),
        ({"descr": "|O", "fortran_order": False, "shape": (1,)}, b"\0" * 8, "not accepted"),
        ({"descr": "<f8", "fortran_order": False, "shape": (3,)}, b"\0" * 16, "needs"),
        ({"descr": "<f8", "fortran_order": False, "shape": (1,)}, b"\0" * 16, "needs"),
        ({"descr": [("a", "<f8")], "fortran_order": False, "shape": (1,)}, b"\0" * 8, "dtype"),
        ({"descr": "<f8", "fortran_order": False, "shape": (-1,)}, b"", "non-negative"),
    ],
    ids=[
        "zero_size_void",
        "zero_size_str",
        "huge_shape_8GiB",
        "shape_overflow",
        "object",
        "short_data",
        "extra_data",
        "structured",
        "negative",
    ],
)
def test_forged_arrays_are_refused_before_allocation(header, data, reason):
    """An array whose header declares a zero-size dtype, a huge shape, objects, or a size
    other than the bytes sent is refused with ``Unsendable`` (the grader turns it into a
    failed test and a ``sealed_reply`` flag) before any memory is allocated for it: the
    decoder's peak allocation stays under 1 MiB (numpy reports its buffers to tracemalloc)."""
    import tracemalloc

    tree = _npy_tree(header, data)
    tracemalloc.start()
    try:
        with pytest.raises(agent.Unsendable, match=reason):
            agent.decode(tree)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"{peak} bytes allocated while refusing {header}"


def test_object_array_and_range_shapes_are_checked():
    """An object array whose shape does not hold its items, and an index range of more items
    than a reply may hold, are refused with ``Unsendable`` (no reshape error, no huge range)."""
    with pytest.raises(agent.Unsendable, match="shape"):
        agent.decode({"$": "objarray", "shape": [2, 2], "v": ["a", "b", "c"]})
    with pytest.raises(agent.Unsendable, match="shape"):
        agent.decode({"$": "objarray", "shape": [-1], "v": ["a"]})
    with pytest.raises(agent.Unsendable, match="range"):
        agent.decode({"$": "range", "v": [0, 10**30, 1], "name": None})
    assert agent.decode({"$": "objarray", "shape": [1, 2], "v": ["a", None]}).shape == (1, 2)


def test_valid_arrays_still_decode_in_either_order():
    """The checked decoder reads what ``numpy.save`` writes: C and Fortran order, strings,
    dates, empty arrays, and the array is writable (a test may change its copy)."""
    for value in (
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.array(["ab", "c"]),
        np.array(["2026-12-01"], dtype="datetime64[D]"),
        np.zeros((0, 3)),
        np.array(True),
    ):
        back = _round(value)
        assert back.dtype == value.dtype and back.shape == value.shape
        assert (back == value).all() and back.flags.writeable


def test_a_column_names_only_a_dtype_of_a_short_list(tmp_path):
    """Review 69 A#1, #2: a column's dtype, text of the student's reply, went to
    ``pd.array``: ``datetime64[us, dateutil//PATH]`` had the grader open and keep a time
    zone file the kernel wrote (1.8 GB of the worker's memory), ``(100000000,)f8`` made 100
    million floats of each value. Only the dtypes honest answers hold are read; any other
    name leaves an object column, and no file is opened."""
    import numpy as np
    import pandas as pd

    zone = tmp_path / "zone"
    zone.write_bytes(b"TZif" + b"\0" * 40)
    for name in (f"datetime64[us, dateutil/{zone}]", "(100000000,)f8", "category"):
        tree = {"$": "objcol", "dtype": name, "v": [1, 2]}
        got = agent._decode_column(tree, 0, None)
        assert isinstance(got, np.ndarray) and got.dtype == object, (name, got)
        assert list(got) == [1, 2]
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None], dtype="Int64"),
            "ok": pd.array([True, None], dtype="boolean"),
            "drug": ["a", "b"],
        }
    )
    got = agent.decode(json.loads(json.dumps(agent.encode(frame))))
    pd.testing.assert_frame_equal(got, frame)
