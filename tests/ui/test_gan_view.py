"""The GAN view draws 2-D and digits frames by updating its items, follows view options, theme
and font scale, lets the learner draw a distribution, and exports valid PNG, SVG and PDF."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QImage

from visualizer.core.writers import write_data
from visualizer.labs.gan.config import OPTIONS
from visualizer.labs.gan.lab import GANLab
from visualizer.labs.gan.points import parse_drawn_points
from visualizer.ui.export import export_figure
from visualizer.ui.theme import DARK, LIGHT
from visualizer.ui.views.gan import GANView

SMALL = {"width": 32, "depth": 2, "batch": 64}


@pytest.fixture(scope="module")
def frames():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        lab = GANLab(seed=0, **SMALL)
        for _ in range(30):
            lab.step()
        lab.set_param("lr_g", 0.004)           # an event on the curves
        for _ in range(10):
            lab.step()
        ring = lab.snapshot()
        lab.step()
        ring_next = lab.snapshot()
        moons = GANLab(seed=0, distribution="moons", noise_dim=1, **SMALL).snapshot()
        wgan = GANLab(seed=0, loss="wgan-gp", **SMALL)
        wgan.step()
        digits = GANLab(seed=0, distribution="digits", width=32, depth=1, batch=32)
        digits.step()
        return {"ring": ring, "ring_next": ring_next, "moons": moons, "wgan": wgan.snapshot(),
                "digits": digits.snapshot()}
    finally:
        torch.set_num_threads(threads)


def show(view, frame):
    view.show_frame(frame)


@pytest.fixture
def view(qtbot):
    v = GANView(LIGHT, 1.0)
    qtbot.addWidget(v)
    v.resize(1280, 720)
    v.show()
    yield v
    v.close()


def test_a_2d_frame_is_drawn_into_the_items(view, frames):
    f = frames["ring"]
    show(view, f)
    space = view.page("gan2d").space
    assert len(space.fake.data) == len(f["fake"]) == GANLab.N_SHOW
    x0, x1, y0, y1 = f.info["view_range"]
    inside = np.column_stack([np.clip(f["fake"][:, 0], x0, x1), np.clip(f["fake"][:, 1], y0, y1)])
    assert np.allclose(np.column_stack([space.fake.data["x"], space.fake.data["y"]]), inside)
    assert space.surface.shape == (32 * 4, 32 * 4)                   # D's grid, interpolated 4×
    assert space.modes.isVisible() and len(space.modes.data) == 8
    assert view.page("gan2d").mode_plot.plot.isVisible()
    x, y = view.page("gan2d").loss_plot.curves["d_loss"][0].getData()
    assert np.array_equal(x, f["step"]) and np.array_equal(y, f["d_loss"])
    assert sum(line.isVisible() for line in view.page("gan2d").loss_plot._events) == 1
    assert view.page("gan2d").loss_plot._events[0].label.format.strip() == "lr G 0.002 → 0.004"
    assert view.page("gan2d").d_plot._events[0].isVisible() and view.page("gan2d").d_plot._events[0].label.format == ""
    assert view.data_frame() is f


def test_the_next_frame_updates_the_same_items(view, frames):
    show(view, frames["ring"])
    items = set(view.page("gan2d").canvas.scene().items())
    fake, surface = view.page("gan2d").space.fake, view.page("gan2d").space.surface
    show(view, frames["ring_next"])
    assert set(view.page("gan2d").canvas.scene().items()) == items                   # nothing created or removed
    assert view.page("gan2d").space.fake is fake and view.page("gan2d").space.surface is surface
    x0, x1 = frames["ring_next"].info["view_range"][:2]
    assert np.allclose(fake.data["x"], np.clip(frames["ring_next"]["fake"][:, 0], x0, x1))


def test_every_frame_given_is_drawn_at_once(view, frames):
    """One pacing mechanism: the runner's. The view draws what it is given, whole."""
    show(view, frames["ring"])
    show(view, frames["ring_next"])
    assert view.data_frame() is frames["ring_next"]
    x, _ = view.page("gan2d").loss_plot.curves["d_loss"][0].getData()
    assert np.array_equal(x, frames["ring_next"]["step"])


def test_event_markers_are_written_in_the_current_language(view, frames):
    from visualizer.ui import i18n

    try:
        i18n.set_language("zh_CN")
        view.retranslate()
        show(view, frames["ring"])
        label = view.page("gan2d").loss_plot._events[0].label.format.strip()
        assert label.endswith("0.002 → 0.004") and label != "lr G 0.002 → 0.004"
    finally:
        i18n.set_language("en")


def test_a_frame_without_modes_and_with_1d_noise(view, frames):
    show(view, frames["moons"])
    assert not view.page("gan2d").mode_plot.plot.isVisible() and not view.page("gan2d").space.modes.isVisible()
    assert frames["moons"]["manifold"].shape[0] == 1
    x, _ = view.page("gan2d").space.manifold.getData()
    assert len(x) == frames["moons"]["manifold"].shape[1]
    show(view, frames["ring"])
    assert view.page("gan2d").mode_plot.plot.isVisible()


def test_a_critic_is_labelled_as_a_critic(view, frames):
    show(view, frames["wgan"])
    assert "critic(real)" in view.page("gan2d").d_plot.title and "½" not in view.page("gan2d").d_plot.title
    assert view.page("gan2d").space.colorbar.axis.labelText == "critic"


def test_digits_are_drawn_as_one_picture(view, frames):
    show(view, frames["digits"])
    assert view.page("gan2d").space.digits.isVisible() and not view.page("gan2d").space.fake.isVisible()
    h, w = view.page("gan2d").space.digits.shape
    assert w == 8 * 9 - 1 and h > 8 * 9                 # 8 × 8 generated, gaps, then real ones
    assert not view.page("gan2d").toolbar.isVisible()


@pytest.mark.parametrize("name", ["show_surface", "show_manifold", "show_arrows", "show_fake", "show_real"])
def test_view_options_hide_layers(view, frames, name):
    show(view, frames["ring"])
    item = {"show_surface": view.page("gan2d").space.surface, "show_manifold": view.page("gan2d").space.manifold,
            "show_arrows": view.page("gan2d").space.arrows, "show_fake": view.page("gan2d").space.fake, "show_real": view.page("gan2d").space.real}[name]
    assert item.isVisible()
    view.set_view_option(name, False)
    assert not item.isVisible()
    view.set_view_options({o.name: o.default for o in OPTIONS.by_role("view")})
    assert item.isVisible()


def test_theme_and_font_scale_restyle_every_text(view, frames):
    show(view, frames["ring"])
    size = view.page("gan2d").loss_plot.plot.getAxis("bottom").label.font().pointSizeF()
    view.apply_font_scale(1.6)
    assert view.page("gan2d").loss_plot.plot.getAxis("bottom").label.font().pointSizeF() == pytest.approx(size * 1.6, rel=0.05)
    assert view.page("gan2d").space.readout.font().pointSizeF() == pytest.approx(9 * 1.6, rel=0.05)
    assert view.page("gan2d").hint_label.font().pointSizeF() > 10
    view.apply_theme(DARK)
    assert view.page("gan2d").canvas.backgroundBrush().color().name() == DARK.background
    assert view.page("gan2d").space.readout.color().name() == DARK.foreground


def test_drawing_points_asks_the_lab_for_a_custom_distribution(view, frames, qtbot):
    show(view, frames["ring"])
    view.page("gan2d").draw_button.setChecked(True)
    assert view.page("gan2d").space.vb.drawing and view.page("gan2d").train_button.isVisible()
    for k in range(40):
        view.page("gan2d")._point_drawn(np.cos(k / 6), np.sin(k / 6), k == 0)
    assert len(view.page("gan2d")._sketch) > 10
    with qtbot.waitSignal(view.params_requested) as signal:
        view.page("gan2d").train_button.click()
    params = signal.args[0]
    assert params["distribution"] == "custom"
    points = parse_drawn_points(params["custom_points"])
    assert np.allclose(points[0], [1.0, 0.0], atol=1e-3)
    assert not view.page("gan2d").draw_button.isChecked() and not view.page("gan2d").space.vb.drawing
    OPTIONS.validate(params)                                # the lab will accept it


def test_a_csv_file_is_offered_to_the_lab(view, frames, qtbot, tmp_path):
    show(view, frames["ring"])
    path = tmp_path / "points.csv"
    path.write_text("x,y\n0,0\n1,1\n2,0\n")
    with qtbot.waitSignal(view.params_requested) as signal:
        view.page("gan2d").load_csv(str(path))
    assert signal.args[0] == {"distribution": str(path)}
    assert OPTIONS.validate(signal.args[0])["distribution"] == str(path)


@pytest.mark.parametrize("kind", ["ring", "digits"])
@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_export_png_svg_pdf_and_data(view, frames, tmp_path, kind, theme):
    view.apply_theme(theme)
    show(view, frames[kind])
    png = export_figure(view.figure_widget(), tmp_path / "g.png", scale=1.0)
    image = QImage(str(png))
    assert not image.isNull() and image.width() == view.figure_widget().width()
    svg = export_figure(view.figure_widget(), tmp_path / "g.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text(encoding="utf-8")
    assert "training step" in text and "G loss" in text      # text stays text in a vector export
    pdf = export_figure(view.figure_widget(), tmp_path / "g.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 2000
    data = write_data(view.data_frame(), tmp_path / "g.npz")
    with np.load(data) as saved:
        want = ["d_loss", "g_loss", "d_real", "d_fake", "step"] + (
            ["real", "fake", "decision", "grid_x", "grid_y", "modes_covered", "high_quality"] if kind == "ring"
            else ["images", "real_images"])
        for name in want:
            assert np.array_equal(saved[name], frames[kind][name]), name


def test_a_diverged_frame_is_drawn_without_crashing(view, frames):
    f = frames["ring"]
    bad = type(f)(f.kind, f.step, {**f.arrays, "fake": f["fake"].copy(), "decision": f["decision"].copy(),
                                   "manifold": f["manifold"].copy()}, dict(f.info))
    bad.arrays["fake"][:5] = np.nan
    bad.arrays["decision"][0, 0] = np.inf
    bad.arrays["manifold"][0, 0] = np.nan
    show(view, bad)
    assert len(view.page("gan2d").space.fake.data) == len(f["fake"]) - 5


def test_the_runner_trains_the_lab_into_the_view_and_stops(qtbot):
    from visualizer.ui.runner import LabRunner

    view = GANView(LIGHT, 1.0)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    runner = LabRunner(GANLab, options=dict(SMALL), name="gan")

    class Sink(QObject):        # a slot of a GUI-thread QObject: frames are drawn in the GUI thread
        @Slot(object)
        def draw(self, frame):
            view.show_frame(frame)
            runner.frame_consumed()

    sink = Sink()
    runner.frame_ready.connect(sink.draw)
    runner.start()
    try:
        qtbot.waitUntil(lambda: runner.frames_emitted > 0, timeout=60_000)
        runner.play()
        qtbot.waitUntil(lambda: view.frame is not None and view.frame.step >= 15, timeout=20_000)
        runner.set_params({"lr_d": 0.001})
        qtbot.waitUntil(lambda: len(view.frame["event_step"]) == 1, timeout=20_000)
    finally:
        assert runner.stop(5.0)
    view.close()


# ---- projector layout --------------------------------------------------------------------------------
def _scene_rect(item):
    return item.mapRectToScene(item.boundingRect())


@pytest.mark.parametrize("size, scale", [((1280, 720), 1.0), ((1280, 720), 1.5), ((1280, 720), 2.0),
                                         ((690, 590), 1.0), ((690, 590), 1.5)])   # presentation; beside the panes
def test_the_data_space_is_square_and_no_text_sits_on_the_data(qtbot, frames, scale, size):
    from visualizer.ui.widgets.plots import title_rect

    view = GANView(LIGHT, scale)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    show(view, frames["ring"])
    page = view.page("gan2d")
    vb = page.space.vb

    def square():
        w, h = vb.width(), vb.height()
        return w > 60 and abs(w - h) <= 2

    qtbot.waitUntil(square, timeout=5000)
    # the data fill the square: the axes show the lab's view range, not a taller column
    (x0, x1), (y0, y1) = vb.viewRange()
    vx0, vx1, vy0, vy1 = frames["ring"].info["view_range"]
    assert (y1 - y0) <= 1.05 * (vy1 - vy0) and (x1 - x0) <= 1.05 * (vx1 - vx0)
    figure = page.figure_widget()
    canvas_rect = page.canvas.sceneRect()
    plots = [page.space_item, page.loss_plot.plot, page.d_plot.plot, page.mode_plot.plot]
    titles = [title_rect(p) for p in plots]
    for i, a in enumerate(titles):
        assert canvas_rect.contains(a), f"title {i} leaves the figure"
        for b in titles[i + 1:]:
            assert not a.intersects(b)
    # legends and read-outs lie outside every plot's data area
    rows = [page.space.legend_row, page.space.readout, page.loss_plot.readout, page.d_plot.readout,
            page.mode_plot.readout]
    areas = [_scene_rect(p.getViewBox()) for p in plots]
    for row in rows:
        r = _scene_rect(row)
        assert canvas_rect.contains(r)
        assert not any(r.intersects(a) for a in areas)
    # the read-out of the mode plot is there, and not cut by the figure
    assert "of 8 modes" in page.mode_plot.readout.text()
    assert figure.width() <= size[0]
    view.close()


def test_the_surface_colour_at_one_half_is_the_background_the_lesson_names(frames):
    import json

    from visualizer.core.resources import resources_dir
    from visualizer.ui.views.gan import style

    for theme in (LIGHT, DARK):
        r, g, b, _ = style.surface_colormap(theme).map([0.5], mode="byte")[0]
        assert "#%02x%02x%02x" % (r, g, b) == theme.background.lower()
    text = json.loads((resources_dir() / "lessons" / "gan.en.json").read_text())["steps"][2]["text"]
    assert "white D(x)" not in text and "background colour" in text and "dark" in text


# ---- a reset run is drawn as a new run ----------------------------------------------------------------
def test_after_a_reset_the_view_shows_the_fresh_run_only(view):
    lab = GANLab(seed=0, **SMALL)
    for _ in range(30):
        lab.step()
    lab.set_param("loss", "minimax")
    for _ in range(5):
        lab.step()
    old = lab.snapshot()
    show(view, old)
    page = view.page("gan2d")
    assert sum(line.isVisible() for line in page.loss_plot._events) == 1
    lab.set_params({"distribution": "ring8", "loss": "wgan-gp", "k_d": 3})   # a lesson step that sets up a run
    fresh = lab.snapshot()
    show(view, fresh)
    assert not any(line.isVisible() for line in page.loss_plot._events + page.d_plot._events)
    assert page.space.readout.text().startswith("step 0")
    assert "minimax" not in page.space.readout.text()
    assert page.loss_plot.plot.getViewBox().viewRange()[0][1] < 200       # the x axis starts again


# ---- the lesson, walked with Play pressed -------------------------------------------------------------
def test_every_lesson_step_played_keeps_training_and_its_points_on_screen(qtbot):
    """Each step's options applied as the window applies them (the session splits them into
    lab and view options; build options rebuild the lab), then Play: PLAYED steps of training.
    No step may halt training; axes stay finite; the points stay in the view, and on the
    gradient step (G only, arrows on) nearly all of them are really inside it, not on its edge."""
    from visualizer.core.errors import TrainingHalted
    from visualizer.core.resources import load_lesson
    from visualizer.core.session import ExplainerSession

    played = 150
    lesson = load_lesson("gan", "en")
    zh = load_lesson("gan", "zh_CN")
    assert [s.options for s in zh.steps] == [s.options for s in lesson.steps]   # one walk covers both
    view = GANView(LIGHT, 1.0)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    session = ExplainerSession.open("gan")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    lab = None
    try:
        for number, step in enumerate(lesson.steps, start=1):
            to_lab, to_view = session.update({**step.options, **step.view})
            if lab is None:
                lab = GANLab(seed=0, **session.options)
            else:
                lab.set_params(to_lab)
            view.set_view_options(to_view)
            view.apply_lesson_state(step.view)
            for _ in range(played):
                try:
                    lab.step()
                except TrainingHalted as exc:
                    pytest.fail(f"lesson step {number} ({step.title}) halted training: {exc}")
                if lab.steps % 50 == 0:
                    show(view, lab.snapshot())
            frame = lab.snapshot()
            show(view, frame)
            page = view.page(frame.kind)
            for plot in (page.loss_plot, page.d_plot, page.mode_plot):
                (x0, x1), (y0, y1) = plot.plot.getViewBox().viewRange()
                assert all(np.isfinite([x0, x1, y0, y1])) and abs(y0) < 1e3 and abs(y1) < 1e3, number
            if frame.kind != "gan2d":
                continue
            vx0, vx1, vy0, vy1 = frame.info["view_range"]
            (x0, x1), (y0, y1) = page.space.vb.viewRange()
            assert x0 <= vx0 + 1e-6 and x1 >= vx1 - 1e-6 and (x1 - x0) < 2 * (vx1 - vx0), number
            drawn = np.column_stack([page.space.fake.data["x"], page.space.fake.data["y"]])
            assert ((drawn[:, 0] >= x0) & (drawn[:, 0] <= x1) & (drawn[:, 1] >= y0) & (drawn[:, 1] <= y1)).all()
            if step.options.get("phase") == "g":
                fake = frame["fake"]
                inside = (fake[:, 0] >= vx0) & (fake[:, 0] <= vx1) & (fake[:, 1] >= vy0) & (fake[:, 1] <= vy1)
                assert inside.mean() >= 0.9, f"step {number}: {1 - inside.mean():.0%} of the points left the view"
                assert page.space.arrows.isVisible() and len(page.space.arrows.getData()[0]) > 0
    finally:
        torch.set_num_threads(threads)
        view.close()


def test_arrows_with_no_gradient_left_are_said_in_words(view, frames):
    f = frames["ring"]
    flat = type(f)(f.kind, f.step, {**f.arrays, "arrows": np.zeros_like(f["arrows"])}, dict(f.info))
    show(view, flat)
    assert "no arrows" in view.page("gan2d").space.readout.text()
    show(view, f)
    assert "no arrows" not in view.page("gan2d").space.readout.text()
