"""Imported once by the server that starts warm_thumbnails' rendering processes (multiprocessing's forkserver).

Each rendering process is then a fork of a process that has Django set up already: it starts in a
moment, instead of importing and setting up everything again.
"""

import django

django.setup()
