"""checks.figures.render: a figure carries its title and axis labels in an accessible description, and
one whose axes do not say what they show is refused."""

import matplotlib.pyplot as plt
import pytest

from checks.figures.render import new_figure, tick_label_overlaps, to_figure


def test_the_svg_is_described_by_its_title_and_every_axis_label():
    fig, axes = new_figure(ncols=2)
    for ax in axes[0]:
        ax.plot([1, 2], [3, 4])
        ax.set_xlabel("patch size p")
    axes[0, 0].set_ylabel("probability")
    image = axes[0, 1].imshow([[0, 1], [1, 0]])
    fig.colorbar(image, ax=axes[0, 1], label="loss <log>")
    svg = to_figure(fig, "Panels", "A caption.").svg
    assert svg.startswith('<svg role="img" aria-label="Panels. x: patch size p; y: probability | '
                          'x: patch size p; y: probability | colour: loss &lt;log&gt;"')


@pytest.mark.parametrize("missing", ["x", "y"])
def test_an_axes_without_a_label_is_refused(missing):
    fig, axes = new_figure()
    axes[0, 0].plot([1, 2], [3, 4])
    if missing != "x":
        axes[0, 0].set_xlabel("t")
    if missing != "y":
        axes[0, 0].set_ylabel("loss")
    with pytest.raises(ValueError, match="needs an x and a y label"):
        to_figure(fig, "Unlabelled", "A caption.")
    plt.close(fig)


@pytest.mark.parametrize("sizes", [(250, 1000, 4000), (250, 1000, 4000, 16000, 64000), (300, 400)])
def test_empirical_loss_tick_labels_do_not_overlap(sizes, monkeypatch):
    """The sample-size axis spans barely a decade: its minor tick labels used to collide."""
    from checks.claims import empirical_loss
    from checks.figures import render as figures
    drawn = []
    monkeypatch.setattr(empirical_loss, "to_figure",
                        lambda fig, title, caption: drawn.append(figures.tick_label_overlaps(fig)) or plt.close(fig))
    gaps = [[0.03 * (n / 250) ** -0.5 * (1 + 0.1 * i) for i in range(3)] for n in sizes]
    empirical_loss.gap_figure(sizes, gaps, [g[1] for g in gaps], -0.5)
    assert drawn == [[]]


def test_overlapping_tick_labels_are_found():
    fig, axes = new_figure(width=2.0)
    axes[0, 0].plot([300, 400], [1, 2])
    axes[0, 0].set_xticks([300, 301, 302], ["three hundred", "three hundred one", "302"])
    assert ("three hundred", "three hundred one") in tick_label_overlaps(fig)
    plt.close(fig)


def test_data_points_count_what_is_drawn_and_not_reference_lines():
    from checks.figures.render import data_points
    fig, axes = new_figure(ncols=2)
    axes[0, 0].axhline(1.0)
    axes[0, 0].axvline(0.5)
    axes[0, 0].text(0.5, 0.5, "only words")
    assert data_points(fig) == 0
    axes[0, 1].plot([1, 2, float("nan")], [3, 4, 5])
    axes[0, 1].scatter([1, 2], [3, 4])
    assert data_points(fig) == 4
    plt.close(fig)


@pytest.mark.xdist_group("quick-report")
def test_no_figure_of_a_quick_report_is_empty(quick_report):
    import re
    _, out, _ = quick_report
    page = (out / "index.html").read_text(encoding="utf-8")
    figures = re.findall(r'<svg role="img" aria-label="([^"]*)" data-points="(\d+)"', page)
    assert len(figures) >= 16
    empty = [label.split(". x:")[0] for label, points in figures if int(points) == 0]
    assert not empty, f"figures that draw no data: {empty}"
    assert "— none." not in page      # the cases-against-requirements caption of a figure with nothing drawn
