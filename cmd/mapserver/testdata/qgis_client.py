#!/usr/bin/python3
"""QGIS as the GIS office uses it, headless, against a running mapserver.

Usage: qgis_client.py BASE_URL OUT_PNG COLLECTION...

For each collection it adds an OGC API - Features (OAPIF) layer and counts
its features; it applies the subset filter "kind" = 'cabin' to the service
posts; it adds the vector tiles as an XYZ vector tile layer, from the URL
template and zooms /tiles.json gives, styled by converting /style.json, and
renders the community with them and the grids to OUT_PNG. It prints one
JSON object with what it found; the Go test checks it.
"""

import json
import os
import sys
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize, Qt  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402


def main():
    base, out_png, collections = sys.argv[1], sys.argv[2], sys.argv[3:]
    app = QgsApplication([], False)
    app.initQgis()
    result = {"qgis": app.applicationVersion() if hasattr(app, "applicationVersion") else "", "collections": {}}
    try:
        from qgis.core import Qgis
        result["qgis"] = Qgis.QGIS_VERSION
    except ImportError:
        pass

    layers = {}
    for name in collections:
        uri = "url='%s' typename='%s' pagingEnabled='true' preferCoordinatesForWfsT11='false'" % (base, name)
        layer = QgsVectorLayer(uri, name, "OAPIF")
        entry = {"valid": layer.isValid()}
        if layer.isValid():
            entry["featureCount"] = layer.featureCount()
            entry["iterated"] = sum(1 for _ in layer.getFeatures())
            entry["fields"] = [f.name() for f in layer.fields()]
            entry["crs"] = layer.crs().authid()
            layers[name] = layer
        result["collections"][name] = entry

    posts = layers.get("posts")
    if posts is not None:
        ok = posts.setSubsetString("\"kind\" = 'cabin'")
        kinds = [f["kind"] for f in posts.getFeatures()]
        result["subset"] = {"applied": ok, "count": len(kinds), "kinds": sorted(set(kinds))}
        posts.setSubsetString("")

    tilejson = json.load(urllib.request.urlopen(base + "/tiles.json"))
    template = tilejson["tiles"][0]
    tiles = QgsVectorTileLayer(
        "type=xyz&url=%s&zmin=%d&zmax=%d&styleUrl=%s" % (template, tilejson["minzoom"], tilejson["maxzoom"], base + "/style.json"),
        "vector tiles",
    )
    result["tiles"] = {"valid": tiles.isValid(), "template": template}
    if tiles.isValid():
        msg, styled = tiles.loadDefaultStyle()
        result["tiles"]["styled"] = styled
        result["tiles"]["styleMessage"] = msg

    west, south, east, north = tilejson["bounds"]
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    merc = QgsCoordinateReferenceSystem("EPSG:3857")
    extent = QgsCoordinateTransform(wgs84, merc, QgsProject.instance()).transformBoundingBox(QgsRectangle(west, south, east, north))
    # The grids from OGC API - Features drawn as outlines over the tiles.
    grids = layers.get("grids")
    if grids is not None:
        outline = grids.renderer().symbol().symbolLayer(0)
        outline.setBrushStyle(Qt.NoBrush)
        outline.setStrokeColor(QColor(183, 28, 28))
        outline.setStrokeWidth(0.6)
    settings = QgsMapSettings()
    drawn = [l for l in [layers.get("grids"), tiles if tiles.isValid() else None] if l is not None]
    settings.setLayers(drawn)
    settings.setDestinationCrs(merc)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(1200, 900))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(out_png, "PNG")
    # How much of the picture is drawn: pixels that are not the white
    # background, sampled on a grid.
    drawn_px, colours, total = 0, set(), 0
    for y in range(0, image.height(), 6):
        for x in range(0, image.width(), 6):
            c = image.pixel(x, y) & 0xFFFFFF
            total += 1
            colours.add(c)
            if c != 0xFFFFFF:
                drawn_px += 1
    result["render"] = {"png": out_png, "drawnFraction": drawn_px / total, "colours": len(colours), "layers": [l.name() for l in drawn]}
    print(json.dumps(result), flush=True)
    # QGIS's own teardown can crash a headless run after the work is
    # done; there is nothing left to save.
    os._exit(0)


if __name__ == "__main__":
    main()
