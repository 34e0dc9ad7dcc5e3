/* The renderer: executes a draw list on an SDL_Renderer. The only code in Borne that includes
** SDL_render.h and SDL_ttf.h.
**
** Text is rendered with SDL_ttf in white once per (face, size, string) and kept as a texture in
** a fixed-size cache (LRU); colour comes from the texture's colour modulation, so the same
** label in two colours costs one texture. Shapes (rounded rectangles, icons) are triangles
** through SDL_RenderGeometry: crisp at any size, no image files. */
#ifndef BORNE_RENDER_H
#define BORNE_RENDER_H

#include <SDL.h>
#include <stddef.h>

#include "core/err.h"
#include "ui/ui.h"

struct renderer;

/* Make a renderer drawing on r with the fonts in fonts_dir (OpenSans-Regular.ttf,
** OpenSans-Semibold.ttf, OpenSans-Bold.ttf). r is borrowed and must outlive the renderer.
** On failure *out is NULL and errmsg says why (a font missing, SDL_ttf failing). */
enum borne_err render_create(SDL_Renderer *r, const char *fonts_dir, struct renderer **out,
                             char *errmsg, size_t errmsg_cap);

/* Free the renderer, its fonts and cached textures; NULL is accepted. */
void render_destroy(struct renderer *rd);

/* Metrics for ui_frame(), measuring with the same fonts that will draw. */
struct ui_metrics render_metrics(struct renderer *rd);

/* Draw the list (it begins with a full-screen rectangle) and present it. */
void render_draw(struct renderer *rd, const struct draw_list *dl);

/* Write what the renderer shows into a PNG file (8-bit RGB). */
enum borne_err render_screenshot(struct renderer *rd, const char *path);

#endif
