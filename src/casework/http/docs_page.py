"""The API's docs page, working without internet: every script and style from the package.

An office intranet has no internet, and litestar's pages load Swagger UI, ReDoc, RapiDoc and
Stoplight Elements from CDNs, so they came up blank. Swagger UI 5 (the first to render
OpenAPI 3.1, which litestar serves) ships in the `swagger-ui-bundle-v2` package; it is served
from there under /schema/assets and is the page at /schema and /schema/swagger. The other
renderers are not served: no package ships them for Python without their CDN. The document
itself stays at /schema/openapi.json and /schema/openapi.yaml.
"""

from __future__ import annotations

from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    SwaggerRenderPlugin,
    YamlRenderPlugin,
)
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/schema/assets"


def render_plugins() -> list[OpenAPIRenderPlugin]:
    return [
        SwaggerRenderPlugin(
            path=["/", "/swagger"],
            js_url=f"{ASSETS}/swagger-ui-bundle.js",
            css_url=f"{ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
        ),
        JsonRenderPlugin(),
        YamlRenderPlugin(),
    ]


def assets_router() -> Router:
    """The page's scripts, styles and icon, from the installed package (no token needed)."""
    return create_static_files_router(
        path=ASSETS,
        directories=[swagger_ui_path],
        include_in_schema=False,
    )
