""".vis session files: save, reopen on "another machine" (the user's files gone), the same frame
and the same run; damaged, changed, newer or misfitting files refused in one line, nothing applied."""

import hashlib
import json
import zipfile

import numpy as np
import pytest

from tests.support_labs import assert_same_frame
from visualizer.core import session_file as sf
from visualizer.core.errors import ExportError
from visualizer.core.session import ExplainerSession


@pytest.fixture
def user_files(tmp_path):
    """The user's own files: a corpus, a CSV of points, a graph (edge list)."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "corpus.txt").write_text("def f(x):\n    return [x, (x + 1)]\n" * 4, encoding="utf-8")
    (folder / "points.csv").write_text("x,y\n0,0\n1,2\n2,1\n3,3\n-1,0.5\n", encoding="utf-8")
    (folder / "ring.edgelist").write_text("".join(f"{i} {(i + 1) % 10}\n" for i in range(10)) + "0 5\n",
                                          encoding="utf-8")
    return folder


def cases(files):
    """explainer, options, steps before the save, steps after (0: a static lab)."""
    return {
        "attention": ("attention", dict(model="train", dim=8, heads=2, length=4), 3, 3),
        "attention-mha": ("attention", dict(model="mha", dim=4, heads=1, text="one two three", pad_to=5), 0, 0),
        "positional": ("positional", dict(kind="rope", positions=10, dim=8), 3, 2),
        "lstm": ("lstm", dict(task="charlm", corpus=str(files / "corpus.txt"), length=8, hidden=4, batch=3,
                              text="f(x)"), 2, 2),
        "gan": ("gan", dict(distribution=str(files / "points.csv"), width=8, depth=1, batch=16), 3, 3),
        "gan-drawn": ("gan", dict(distribution="custom", custom_points="0,0;1,1;2,0", width=8, depth=1,
                                  batch=16), 2, 2),
        "gnn": ("gnn", dict(graph=str(files / "ring.edgelist"), hidden=4, dropout=0.3), 2, 2),
    }


def build(explainer, options, seed=5):
    from visualizer.core import registry

    lab = registry.get(explainer).load_lab()(seed=seed, **options)
    if hasattr(lab, "throttle"):
        lab.throttle = False
    return lab


def save(tmp_path, explainer, options, steps, name="s.vis", **session_kw):
    lab = build(explainer, options)
    for _ in range(steps):
        lab.step()
    path = sf.save_session(tmp_path / name, lab, sf.session_of(lab, explainer, **session_kw))
    return lab, path


@pytest.mark.parametrize("case", ["attention", "attention-mha", "positional", "lstm", "gan", "gan-drawn", "gnn"])
def test_reopened_on_another_machine_same_frame_same_run(case, tmp_path, user_files, one_torch_thread):
    explainer, options, before, after = cases(user_files)[case]
    lab, path = save(tmp_path, explainer, options, before)
    frame = lab.snapshot()
    for _ in range(after):               # the run that was never saved goes on
        lab.step()
    for f in user_files.iterdir():       # "another machine": none of the user's files is there
        f.unlink()
    again, opened = sf.open_session(path, files_dir=tmp_path / "unpacked")
    if hasattr(again, "throttle"):
        again.throttle = False
    assert opened.session.explainer == explainer and again.steps == before
    assert_same_frame(frame, again.snapshot())
    moved = {"lstm": ["corpus"], "gan": ["distribution"], "gnn": ["graph"]}.get(case, [])
    assert sorted(opened.files) == moved and len(opened.notes) == len(moved)
    for option in moved:               # read from the copy kept in the session
        assert opened.files[option].startswith(str(tmp_path / "unpacked"))
        assert "is not on this machine" in opened.notes[0]
    # the reopened run gives the same numbers, step for step
    for _ in range(after):
        again.step()
    assert_same_frame(lab.snapshot(), again.snapshot())


def test_the_users_files_travel_inside_the_session(tmp_path, user_files, one_torch_thread):
    _, options, _, _ = cases(user_files)["lstm"]
    lab, path = save(tmp_path, "lstm", options, 1)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "files/corpus/corpus.txt" in names
        assert zf.read("files/corpus/corpus.txt") == (user_files / "corpus.txt").read_bytes()
    # still there and unchanged: the original is used, nothing is unpacked, no note
    opened = sf.read_session(path, files_dir=tmp_path / "unpacked")
    assert opened.session.options["corpus"] == str((user_files / "corpus.txt").resolve())
    assert opened.notes == [] and not (tmp_path / "unpacked").exists()
    # changed since: the saved copy is used, and the note says so
    (user_files / "corpus.txt").write_text("something else entirely, long enough to train on", encoding="utf-8")
    opened = sf.read_session(path, files_dir=tmp_path / "unpacked")
    used = opened.session.options["corpus"]
    assert used.startswith(str(tmp_path / "unpacked"))
    assert open(used, "rb").read().startswith(b"def f(x)")
    assert len(opened.notes) == 1 and "--corpus" in opened.notes[0] and "changed" in opened.notes[0]


def test_drawn_points_are_kept_as_a_file_too(tmp_path, user_files):
    _, options, _, _ = cases(user_files)["gan-drawn"]
    _, path = save(tmp_path, "gan", options, 0)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("files/custom_points.txt").decode() == "0,0;1,1;2,0"
        doc = json.loads(zf.read("session.json"))
    assert doc["format"] == sf.FORMAT and doc["session"]["explainer"] == "gan" and doc["app_version"]


def test_session_json_holds_the_session_and_the_lesson_step_is_only_stored(tmp_path, one_torch_thread):
    options = dict(kind="rope", positions=10, dim=8)
    _, path = save(tmp_path, "positional", options, 2, view={"pair": 2}, lesson_step=3)
    opened = sf.read_session(path)
    s = opened.session
    assert (s.explainer, s.seed, s.device, s.lesson_step, opened.steps) == ("positional", 5, "cpu", 3, 2)
    assert s.view["pair"] == 2 and s.options["positions"] == 10
    expected = ExplainerSession.open("positional", seed=5)
    expected.update({**options, "pair": 2})
    expected.lesson_step = 3
    assert s == expected


def test_a_missing_cuda_device_falls_back_to_the_cpu_with_a_note(tmp_path, one_torch_thread):
    _, path = save(tmp_path, "positional", dict(kind="rope", positions=10, dim=8), 1, device="cuda:7")
    lab, opened = sf.open_session(path)
    assert opened.session.device == "cpu" and str(lab.device) == "cpu"
    assert len(opened.notes) == 1 and "cuda:7" in opened.notes[0] and "CPU" in opened.notes[0]


# ---- refusals -----------------------------------------------------------------------------------
def rewrite(path, change, rehash=True):
    """Rewrite the zip with change(members) applied; rehash: keep the manifest consistent (a forged
    file), else leave it as it was (a file changed behind the app's back)."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    change(members)
    if rehash:
        manifest = json.loads(members["manifest.json"])
        manifest["members"] = {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                               for n, d in members.items() if n != "manifest.json"}
        members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)


def edit_json(name, edit):
    def change(members):
        doc = json.loads(members[name])
        edit(doc)
        members[name] = json.dumps(doc).encode()
    return change


@pytest.fixture
def gan_session(tmp_path, one_torch_thread):
    _, path = save(tmp_path, "gan", dict(distribution="ring8", width=8, depth=1, batch=16), 2)
    return path


def refused(path, phrase, tmp_path):
    unpack = tmp_path / "unpacked"
    with pytest.raises(sf.SessionError, match=phrase) as info:
        lab, _ = sf.open_session(path, files_dir=unpack)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"cannot open '{path.name}'")
    assert not unpack.exists()           # nothing unpacked, nothing half-applied
    return message


def test_a_changed_member_is_refused(gan_session, tmp_path):
    def change(members):
        data = bytearray(members["state.safetensors"])
        data[-3] ^= 0x40                  # one bit of a weight
        members["state.safetensors"] = bytes(data)
    rewrite(gan_session, change, rehash=False)
    refused(gan_session, r"'state.safetensors' does not match its checksum", tmp_path)


def test_an_unlisted_or_missing_member_is_refused(gan_session, tmp_path):
    rewrite(gan_session, lambda m: m.__setitem__("extra.py", b"print(1)"), rehash=False)
    refused(gan_session, r"holds 'extra.py', which its manifest does not list", tmp_path)
    rewrite(gan_session, lambda m: (m.pop("extra.py"), m.pop("state.json")), rehash=False)
    refused(gan_session, r"'state.json' is missing", tmp_path)


@pytest.mark.parametrize("keep", [0.5, 0.98])
def test_a_truncated_file_is_refused(gan_session, tmp_path, keep):
    data = gan_session.read_bytes()
    gan_session.write_bytes(data[:int(len(data) * keep)])
    refused(gan_session, r"not a session file, or it is truncated", tmp_path)


def test_a_damaged_zip_is_refused(gan_session, tmp_path):
    data = bytearray(gan_session.read_bytes())
    with zipfile.ZipFile(gan_session) as zf:
        info = zf.getinfo("state.safetensors")
    start = info.header_offset + 30 + len(info.filename) + 10
    for i in range(start, start + 16):   # inside the compressed weights
        data[i] ^= 0xFF
    gan_session.write_bytes(bytes(data))
    refused(gan_session, r"'state.safetensors' (cannot be read|does not match)", tmp_path)


def test_a_newer_format_is_refused(gan_session, tmp_path):
    rewrite(gan_session, edit_json("session.json", lambda d: d.__setitem__("format", sf.FORMAT + 1)))
    refused(gan_session, rf"written by a newer visualizer \(session format {sf.FORMAT + 1}", tmp_path)


def test_an_unknown_explainer_is_refused(gan_session, tmp_path):
    rewrite(gan_session, edit_json("session.json", lambda d: d["session"].__setitem__("explainer", "vae")))
    refused(gan_session, r"unknown explainer 'vae' \(this app knows attention", tmp_path)


def test_weights_that_do_not_fit_the_saved_options_are_refused(gan_session, tmp_path):
    rewrite(gan_session, edit_json("session.json", lambda d: d["session"]["options"].__setitem__("width", 12)))
    rewrite(gan_session, edit_json("state.json", lambda d: d["options"].__setitem__("width", 12)))
    message = refused(gan_session, r"the saved state does not fit the lab built from its options", tmp_path)
    assert "parts/G/net.0.weight has shape (8, 2), but the lab built from the saved options needs (12, 2)" in message


def test_a_state_missing_a_tensor_is_refused(gan_session, tmp_path):
    def drop(members):
        from safetensors.numpy import load, save

        arrays = load(members["state.safetensors"])
        del arrays["parts/D/net.0.bias"]
        members["state.safetensors"] = save(arrays)
    rewrite(gan_session, drop)
    refused(gan_session, r"refers to a tensor 'parts/D/net.0.bias' that is not in the file", tmp_path)


# ---- writing ------------------------------------------------------------------------------------
def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, one_torch_thread):
    lab = build("positional", dict(kind="rope", positions=10, dim=8))
    session = sf.session_of(lab, "positional")
    good = sf.save_session(tmp_path / "s.vis", lab, session)
    before = good.read_bytes()
    state = lab.session_state()
    state["arrays"]["bad"] = np.array([object()], dtype=object)
    with pytest.raises(sf.SessionError, match="'bad' is object"):
        sf.write_session(good, session, state)
    state = lab.session_state()
    state["files"] = {"corpus": str(tmp_path / "gone.txt")}
    with pytest.raises(sf.SessionError, match="--corpus.*gone.txt"):
        sf.write_session(good, session, state)
    with pytest.raises(ExportError, match="does not exist"):
        sf.write_session(tmp_path / "no" / "s.vis", session, lab.session_state())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.vis"] and good.read_bytes() == before


def test_the_same_session_gives_the_same_bytes(tmp_path, one_torch_thread):
    lab = build("gnn", dict(graph="karate", hidden=4))
    lab.step()
    session = sf.session_of(lab, "gnn")
    a = sf.save_session(tmp_path / "a.vis", lab, session).read_bytes()
    b = sf.save_session(tmp_path / "b.vis", lab, session).read_bytes()
    assert a == b


def test_a_child_process_can_hand_over_plain_data(tmp_path, one_torch_thread):
    """The lab's process sends session_state() (numpy + JSON, no torch) and the window writes it;
    opening in place (load_session_state) restores the lab the worker already has."""
    import pickle

    lab = build("attention", dict(model="train", dim=8, heads=2, length=4))
    for _ in range(2):
        lab.step()
    state = lab.session_state()

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or type(value) in (np.ndarray, str, int, float, bool)
    assert plain(state) and state["arrays"]
    json.dumps(state["meta"])
    state = pickle.loads(pickle.dumps(state))     # what crosses the process boundary
    path = sf.write_session(tmp_path / "s.vis", sf.session_of(lab, "attention"), state)
    opened = sf.read_session(path)
    other = build("attention", dict(model="train", dim=8, heads=2, length=4))
    other.load_session_state(opened.state)
    assert_same_frame(lab.snapshot(), other.snapshot())


def test_the_window_reads_and_writes_session_files_without_torch(gan_session, tmp_path):
    """The window process never imports torch: checking a file and writing one from a state the
    lab's process sent must not pull it in."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from visualizer.core import session_file as sf\n"
            f"opened = sf.read_session({str(gan_session)!r}, check_device=False)\n"
            f"sf.write_session({str(tmp_path / 'copy.vis')!r}, opened.session, opened.state)\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
    assert sf.read_session(tmp_path / "copy.vis").steps == 2
