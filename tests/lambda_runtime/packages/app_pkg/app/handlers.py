"""Handler module inside a package."""

from . import util
from .util import double


def main(event, context):
    return {"double": double(event), "same": util.double is double, "module": __name__}
