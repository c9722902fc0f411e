"""The project's rendering (one decode per image, each size from the smallest picture in hand with twice its
pixels) gives the thumbnails easy-thumbnails makes alone: the same names and sizes, the same pictures."""

import io

from easy_thumbnails.files import Thumbnailer
from easy_thumbnails.options import ThumbnailOptions
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageStat

from ..support.images import image_bytes

sides = st.integers(min_value=16, max_value=1200)
target_side = st.just(0) | st.integers(8, 300)  # 0: any, as easy-thumbnails takes it
sizes = st.builds(
    dict,
    size=st.tuples(target_side, target_side).filter(any),
    crop=st.sampled_from([False, True, "smart"]),
    upscale=st.booleans(),
)


@settings(max_examples=40, deadline=None, database=None)  # no deadline on a loaded machine; no .hypothesis/ folder
@given(width=sides, height=sides, wanted=st.lists(sizes, min_size=1, max_size=4))
def test_the_same_thumbnails_as_easy_thumbnails_alone(width, height, wanted):
    from mediakit.thumbnails.engine import render

    source = image_bytes("JPEG", (width, height))
    wanted = {f"size{number}": options for number, options in enumerate(wanted)}

    made, failures = render(Thumbnailer(name="photos/picture.jpg"), source, wanted)

    for alias, options in wanted.items():
        alone = Thumbnailer(file=io.BytesIO(source), name="photos/picture.jpg")
        try:
            own = alone.generate_thumbnail(ThumbnailOptions(options))
        except ValueError:  # a side rounded to no pixel: easy-thumbnails cannot make it either
            assert alias in failures
            continue
        [thumbnail] = [thumbnail for thumbnail in made if thumbnail.alias == alias]
        assert (thumbnail.name, (thumbnail.width, thumbnail.height)) == (own.name, own.image.size)
        ours, theirs = (Image.open(io.BytesIO(data)).convert("RGB") for data in (thumbnail.content, own.read()))
        # Equal to within JPEG's own noise: what encoding easy-thumbnails' picture adds to it.
        noise = max(ImageStat.Stat(ImageChops.difference(theirs, own.image.convert("RGB"))).mean)
        difference = max(ImageStat.Stat(ImageChops.difference(ours, theirs)).mean)
        assert difference <= 2 * noise + 1, (alias, difference, noise)
