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
    assert np.allclose(np.column_stack([space.fake.data["x"], space.fake.data["y"]]), f["fake"])
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
    assert np.allclose(fake.data["x"], frames["ring_next"]["fake"][:, 0])


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
    assert view.page("gan2d").space.readout.textItem.font().pointSizeF() == pytest.approx(9 * 1.6, rel=0.05)
    assert view.page("gan2d").hint_label.font().pointSizeF() > 10
    view.apply_theme(DARK)
    assert view.page("gan2d").canvas.backgroundBrush().color().name() == DARK.background
    assert view.page("gan2d").space.readout.color.name() == DARK.foreground


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
