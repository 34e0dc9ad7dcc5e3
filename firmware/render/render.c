/* Draw lists onto SDL. See render.h. */
#include "render/render.h"

#include <SDL_ttf.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

#define FACES 3
#define SIZES_MAX 24    /* (face, px) pairs opened at once; a screen uses about eight */
#define TEXT_CACHE 160  /* textures of rendered strings kept; each is a few KiB to 100 KiB */
#define PATH_MAX_PTS 96 /* points on a rounded rectangle's outline */

struct sized_font {
    int face, px;
    TTF_Font *font;
};

struct cached_text {
    uint64_t hash; /* of face, px and the bytes: 64 bits make a false match negligible */
    size_t len;
    SDL_Texture *tex;
    int w, h;
    unsigned long used; /* frame stamp, for LRU eviction */
};

struct renderer {
    SDL_Renderer *r;
    char font_path[FACES][512];
    struct sized_font fonts[SIZES_MAX];
    int n_fonts;
    struct cached_text cache[TEXT_CACHE];
    unsigned long frame;
};

static const char *const face_files[FACES] = {"OpenSans-Regular.ttf", "OpenSans-Semibold.ttf",
                                              "OpenSans-Bold.ttf"};

enum borne_err render_create(SDL_Renderer *r, const char *fonts_dir, struct renderer **out,
                             char *errmsg, size_t errmsg_cap)
{
    *out = NULL;
    if (!TTF_WasInit() && TTF_Init() != 0) {
        snprintf(errmsg, errmsg_cap, "SDL_ttf: %s", TTF_GetError());
        return BORNE_ERR_INTERNAL;
    }
    struct renderer *rd = calloc(1, sizeof *rd);
    if (!rd)
        return BORNE_ERR_NOMEM;
    rd->r = r;
    for (int f = 0; f < FACES; f++) {
        snprintf(rd->font_path[f], sizeof rd->font_path[f], "%s/%s", fonts_dir, face_files[f]);
        FILE *fp = fopen(rd->font_path[f], "rb");
        if (!fp) {
            snprintf(errmsg, errmsg_cap, "font %s cannot be read", rd->font_path[f]);
            free(rd);
            return BORNE_ERR_CANT_OPEN;
        }
        fclose(fp);
    }
    *out = rd;
    return BORNE_OK;
}

void render_destroy(struct renderer *rd)
{
    if (!rd)
        return;
    for (int i = 0; i < TEXT_CACHE; i++)
        if (rd->cache[i].tex)
            SDL_DestroyTexture(rd->cache[i].tex);
    for (int i = 0; i < rd->n_fonts; i++)
        TTF_CloseFont(rd->fonts[i].font);
    free(rd);
}

/* The font for (face, px), opened on first use. When all slots are taken (text size switched
** back and forth many times), the oldest is closed: every cached text made with it is dropped
** with it, since it no longer matches. */
static TTF_Font *font_at(struct renderer *rd, int face, int px)
{
    if (face < 0 || face >= FACES)
        face = 0;
    for (int i = 0; i < rd->n_fonts; i++)
        if (rd->fonts[i].face == face && rd->fonts[i].px == px)
            return rd->fonts[i].font;
    TTF_Font *f = TTF_OpenFont(rd->font_path[face], px);
    if (!f) {
        SDL_Log("render: cannot open %s at %d px: %s", rd->font_path[face], px, TTF_GetError());
        return NULL;
    }
    TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
    if (rd->n_fonts == SIZES_MAX) {
        TTF_CloseFont(rd->fonts[0].font);
        memmove(rd->fonts, rd->fonts + 1, (SIZES_MAX - 1) * sizeof rd->fonts[0]);
        rd->n_fonts--;
    }
    rd->fonts[rd->n_fonts++] = (struct sized_font){face, px, f};
    return f;
}

static int metric_width(void *ctx, int face, int px, const char *s, size_t len)
{
    struct renderer *rd = ctx;
    TTF_Font *f = font_at(rd, face, px);
    if (!f)
        return (int)len * px / 2;
    char buf[1024];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int w = 0, h = 0;
    if (TTF_SizeUTF8(f, buf, &w, &h) != 0)
        return (int)len * px / 2;
    return w;
}

static int metric_line_height(void *ctx, int face, int px)
{
    struct renderer *rd = ctx;
    TTF_Font *f = font_at(rd, face, px);
    return f ? TTF_FontLineSkip(f) : px * 4 / 3;
}

struct ui_metrics render_metrics(struct renderer *rd)
{
    return (struct ui_metrics){rd, metric_width, metric_line_height};
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct cached_text *text_texture(struct renderer *rd, int face, int px, const char *s,
                                        size_t len)
{
    uint64_t h = fnv1a(14695981039346656037ULL, &face, sizeof face);
    h = fnv1a(h, &px, sizeof px);
    h = fnv1a(h, s, len);
    struct cached_text *slot = &rd->cache[0];
    for (int i = 0; i < TEXT_CACHE; i++) {
        struct cached_text *c = &rd->cache[i];
        if (c->tex && c->hash == h && c->len == len) {
            c->used = rd->frame;
            return c;
        }
        if (!c->tex || c->used < slot->used)
            slot = c;
        if (!c->tex)
            break;
    }
    TTF_Font *f = font_at(rd, face, px);
    if (!f)
        return NULL;
    char buf[1024];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    SDL_Surface *surf = TTF_RenderUTF8_Blended(f, buf, (SDL_Color){255, 255, 255, 255});
    if (!surf)
        return NULL;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(rd->r, surf);
    int w = surf->w, hgt = surf->h;
    SDL_FreeSurface(surf);
    if (!tex)
        return NULL;
    if (slot->tex)
        SDL_DestroyTexture(slot->tex);
    *slot = (struct cached_text){h, len, tex, w, hgt, rd->frame};
    return slot;
}

static SDL_Color rgba(uint32_t c)
{
    return (SDL_Color){(Uint8)(c >> 24), (Uint8)(c >> 16), (Uint8)(c >> 8), (Uint8)c};
}

/* Points around a rounded rectangle inset by `in` px, clockwise. The count depends only on
** seg, so that an outline's outer and inner paths pair up point for point. */
static int rounded_path(SDL_FPoint *pts, float x, float y, float w, float h, float rad, float in,
                        int seg)
{
    x += in, y += in, w -= 2 * in, h -= 2 * in, rad -= in;
    if (rad < 0)
        rad = 0;
    if (rad > w / 2)
        rad = w / 2;
    if (rad > h / 2)
        rad = h / 2;
    const float cx[4] = {x + w - rad, x + w - rad, x + rad, x + rad};
    const float cy[4] = {y + rad, y + h - rad, y + h - rad, y + rad};
    int n = 0;
    for (int c = 0; c < 4; c++) {
        float a0 = (float)(-M_PI / 2 + c * M_PI / 2);
        for (int i = 0; i <= seg; i++) {
            float a = a0 + (float)(M_PI / 2) * i / seg;
            pts[n++] = (SDL_FPoint){cx[c] + rad * cosf(a), cy[c] + rad * sinf(a)};
        }
    }
    return n;
}

/* Opaque shapes are copied, not blended: SDL's software renderer blends every pixel of a
** fill when asked to, even at full alpha, and the background alone is a million pixels. */
static void set_blend(struct renderer *rd, SDL_Color col)
{
    SDL_SetRenderDrawBlendMode(rd->r, col.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

static void draw_rect(struct renderer *rd, const struct draw_cmd *c)
{
    SDL_Color col = rgba(c->color);
    set_blend(rd, col);
    if (c->radius == 0 && c->border == 0) {
        SDL_SetRenderDrawColor(rd->r, col.r, col.g, col.b, col.a);
        SDL_RenderFillRect(rd->r, &(SDL_Rect){c->x, c->y, c->w, c->h});
        return;
    }
    SDL_FPoint outer[PATH_MAX_PTS], inner[PATH_MAX_PTS];
    int seg = c->radius < 4 ? 1 : 8;
    int n = rounded_path(outer, c->x, c->y, c->w, c->h, c->radius, 0, seg);
    SDL_Vertex v[PATH_MAX_PTS * 6];
    int nv = 0;
    if (c->border == 0) {
        SDL_FPoint mid = {c->x + c->w / 2.0f, c->y + c->h / 2.0f};
        for (int i = 0; i < n; i++) {
            v[nv++] = (SDL_Vertex){mid, col, {0, 0}};
            v[nv++] = (SDL_Vertex){outer[i], col, {0, 0}};
            v[nv++] = (SDL_Vertex){outer[(i + 1) % n], col, {0, 0}};
        }
    } else {
        rounded_path(inner, c->x, c->y, c->w, c->h, c->radius, c->border, seg);
        for (int i = 0; i < n; i++) {
            int j = (i + 1) % n;
            v[nv++] = (SDL_Vertex){outer[i], col, {0, 0}};
            v[nv++] = (SDL_Vertex){outer[j], col, {0, 0}};
            v[nv++] = (SDL_Vertex){inner[i], col, {0, 0}};
            v[nv++] = (SDL_Vertex){inner[i], col, {0, 0}};
            v[nv++] = (SDL_Vertex){outer[j], col, {0, 0}};
            v[nv++] = (SDL_Vertex){inner[j], col, {0, 0}};
        }
    }
    SDL_RenderGeometry(rd->r, NULL, v, nv, NULL, 0);
}

/* --- icons: a few strokes and discs in a unit square, scaled to the command's rectangle --- */

struct pen {
    SDL_Renderer *r;
    SDL_Color col;
    float x, y, s; /* origin and size of the unit square */
};

static SDL_FPoint at(const struct pen *p, float u, float v)
{
    return (SDL_FPoint){p->x + u * p->s, p->y + v * p->s};
}

/* A stroke from (u0,v0) to (u1,v1), width wd in units, as a quad. */
static void stroke(const struct pen *p, float u0, float v0, float u1, float v1, float wd)
{
    float dx = u1 - u0, dy = v1 - v0, len = sqrtf(dx * dx + dy * dy);
    if (len == 0)
        return;
    float nx = -dy / len * wd / 2, ny = dx / len * wd / 2;
    /* Extend by half the width so that joined strokes meet without a notch. */
    float ex = dx / len * wd / 2, ey = dy / len * wd / 2;
    SDL_FPoint a = at(p, u0 + nx - ex, v0 + ny - ey), b = at(p, u1 + nx + ex, v1 + ny + ey);
    SDL_FPoint c = at(p, u1 - nx + ex, v1 - ny + ey), d = at(p, u0 - nx - ex, v0 - ny - ey);
    SDL_Vertex v[6] = {{a, p->col, {0, 0}}, {b, p->col, {0, 0}}, {c, p->col, {0, 0}},
                       {a, p->col, {0, 0}}, {c, p->col, {0, 0}}, {d, p->col, {0, 0}}};
    SDL_RenderGeometry(p->r, NULL, v, 6, NULL, 0);
}

/* A disc (ring when wd > 0) of radius rad centred on (u, v). */
static void disc(const struct pen *p, float u, float v, float rad, float wd)
{
    enum { SEG = 32 };
    SDL_Vertex vx[SEG * 6];
    int n = 0;
    for (int i = 0; i < SEG; i++) {
        float a0 = (float)(2 * M_PI * i / SEG), a1 = (float)(2 * M_PI * (i + 1) / SEG);
        SDL_FPoint o0 = at(p, u + rad * cosf(a0), v + rad * sinf(a0));
        SDL_FPoint o1 = at(p, u + rad * cosf(a1), v + rad * sinf(a1));
        if (wd <= 0) {
            vx[n++] = (SDL_Vertex){at(p, u, v), p->col, {0, 0}};
            vx[n++] = (SDL_Vertex){o0, p->col, {0, 0}};
            vx[n++] = (SDL_Vertex){o1, p->col, {0, 0}};
        } else {
            float ri = rad - wd;
            SDL_FPoint i0 = at(p, u + ri * cosf(a0), v + ri * sinf(a0));
            SDL_FPoint i1 = at(p, u + ri * cosf(a1), v + ri * sinf(a1));
            SDL_Vertex q[6] = {{o0, p->col, {0, 0}}, {o1, p->col, {0, 0}}, {i0, p->col, {0, 0}},
                               {i0, p->col, {0, 0}}, {o1, p->col, {0, 0}}, {i1, p->col, {0, 0}}};
            memcpy(vx + n, q, sizeof q);
            n += 6;
        }
    }
    SDL_RenderGeometry(p->r, NULL, vx, n, NULL, 0);
}

static void triangle(const struct pen *p, float u0, float v0, float u1, float v1, float u2,
                     float v2)
{
    SDL_Vertex v[3] = {{at(p, u0, v0), p->col, {0, 0}},
                       {at(p, u1, v1), p->col, {0, 0}},
                       {at(p, u2, v2), p->col, {0, 0}}};
    SDL_RenderGeometry(p->r, NULL, v, 3, NULL, 0);
}

static void draw_icon(struct renderer *rd, const struct draw_cmd *c)
{
    float s = (float)(c->w < c->h ? c->w : c->h);
    struct pen p = {rd->r, rgba(c->color), c->x + (c->w - s) / 2.0f, c->y + (c->h - s) / 2.0f, s};
    set_blend(rd, p.col);
    const float w = 0.14f;
    switch ((enum ui_icon)c->icon) {
    case ICON_BACK:
    case ICON_PREV:
        stroke(&p, 0.65f, 0.15f, 0.3f, 0.5f, w);
        stroke(&p, 0.3f, 0.5f, 0.65f, 0.85f, w);
        break;
    case ICON_NEXT:
        stroke(&p, 0.35f, 0.15f, 0.7f, 0.5f, w);
        stroke(&p, 0.7f, 0.5f, 0.35f, 0.85f, w);
        break;
    case ICON_HOME:
        triangle(&p, 0.5f, 0.08f, 0.02f, 0.5f, 0.98f, 0.5f);
        SDL_SetRenderDrawColor(rd->r, p.col.r, p.col.g, p.col.b, p.col.a);
        SDL_RenderFillRectF(rd->r,
                            &(SDL_FRect){p.x + 0.18f * s, p.y + 0.48f * s, 0.64f * s, 0.44f * s});
        break;
    case ICON_CHECK:
        stroke(&p, 0.12f, 0.52f, 0.4f, 0.8f, w * 1.3f);
        stroke(&p, 0.4f, 0.8f, 0.9f, 0.22f, w * 1.3f);
        break;
    case ICON_WARNING:
        stroke(&p, 0.5f, 0.08f, 0.05f, 0.9f, w * 0.8f);
        stroke(&p, 0.05f, 0.9f, 0.95f, 0.9f, w * 0.8f);
        stroke(&p, 0.95f, 0.9f, 0.5f, 0.08f, w * 0.8f);
        stroke(&p, 0.5f, 0.38f, 0.5f, 0.62f, w * 0.9f);
        disc(&p, 0.5f, 0.76f, 0.06f, 0);
        break;
    case ICON_CLOCK:
        disc(&p, 0.5f, 0.5f, 0.46f, 0.11f);
        stroke(&p, 0.5f, 0.5f, 0.5f, 0.22f, 0.1f);
        stroke(&p, 0.5f, 0.5f, 0.7f, 0.6f, 0.1f);
        break;
    case ICON_PLACE:
        disc(&p, 0.5f, 0.38f, 0.32f, 0.12f);
        triangle(&p, 0.22f, 0.52f, 0.78f, 0.52f, 0.5f, 0.98f);
        break;
    case ICON_PERSON:
        disc(&p, 0.5f, 0.28f, 0.2f, 0);
        disc(&p, 0.5f, 0.95f, 0.42f, 0);
        break;
    case ICON_BACKSPACE:
        stroke(&p, 0.05f, 0.5f, 0.3f, 0.2f, w * 0.7f);
        stroke(&p, 0.05f, 0.5f, 0.3f, 0.8f, w * 0.7f);
        stroke(&p, 0.3f, 0.2f, 0.95f, 0.2f, w * 0.7f);
        stroke(&p, 0.3f, 0.8f, 0.95f, 0.8f, w * 0.7f);
        stroke(&p, 0.95f, 0.2f, 0.95f, 0.8f, w * 0.7f);
        stroke(&p, 0.48f, 0.36f, 0.76f, 0.64f, w * 0.7f);
        stroke(&p, 0.76f, 0.36f, 0.48f, 0.64f, w * 0.7f);
        break;
    case ICON_SHIFT:
        stroke(&p, 0.5f, 0.08f, 0.08f, 0.5f, w * 0.8f);
        stroke(&p, 0.5f, 0.08f, 0.92f, 0.5f, w * 0.8f);
        stroke(&p, 0.3f, 0.5f, 0.3f, 0.9f, w * 0.8f);
        stroke(&p, 0.7f, 0.5f, 0.7f, 0.9f, w * 0.8f);
        stroke(&p, 0.3f, 0.9f, 0.7f, 0.9f, w * 0.8f);
        break;
    }
}

static void draw_text(struct renderer *rd, const struct draw_list *dl, const struct draw_cmd *c)
{
    if (c->text_off + c->text_len > dl->text_len)
        return;
    struct cached_text *t = text_texture(rd, c->face, c->px, dl->text + c->text_off, c->text_len);
    if (!t)
        return;
    SDL_Color col = rgba(c->color);
    SDL_SetTextureColorMod(t->tex, col.r, col.g, col.b);
    SDL_SetTextureAlphaMod(t->tex, col.a);
    SDL_RenderCopy(rd->r, t->tex, NULL, &(SDL_Rect){c->x, c->y, t->w, t->h});
}

/* The QR in its square: whole pixels per module (a blurred edge hurts a phone's camera and a
** scanner alike), the quiet zone of 4 modules inside the square, dark runs of a row as one
** rectangle each. */
static void draw_qr(struct renderer *rd, const struct draw_list *dl, const struct draw_cmd *c)
{
    int side = dl->qr_side, total = side + 8;
    if (!dl->qr || side <= 0)
        return;
    int m = (c->w < c->h ? c->w : c->h) / total;
    if (m < 1)
        m = 1;
    int x0 = c->x + (c->w - m * side) / 2, y0 = c->y + (c->h - m * side) / 2;
    SDL_SetRenderDrawBlendMode(rd->r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(rd->r, 0, 0, 0, 255);
    for (int y = 0; y < side; y++) {
        for (int x = 0; x < side;) {
            if (!dl->qr[y * side + x]) {
                x++;
                continue;
            }
            int run = x;
            while (run < side && dl->qr[y * side + run])
                run++;
            SDL_RenderFillRect(rd->r, &(SDL_Rect){x0 + x * m, y0 + y * m, (run - x) * m, m});
            x = run;
        }
    }
}

void render_draw(struct renderer *rd, const struct draw_list *dl)
{
    rd->frame++;
    if (dl->overflow)
        SDL_Log("render: the draw list overflowed; part of the screen is missing");
    for (size_t i = 0; i < dl->n; i++) {
        const struct draw_cmd *c = &dl->cmds[i];
        switch ((enum draw_kind)c->kind) {
        case DRAW_RECT:
            draw_rect(rd, c);
            break;
        case DRAW_TEXT:
            draw_text(rd, dl, c);
            break;
        case DRAW_ICON:
            draw_icon(rd, c);
            break;
        case DRAW_QR:
            draw_qr(rd, dl, c);
            break;
        }
    }
    SDL_RenderPresent(rd->r);
}

enum borne_err render_screenshot(struct renderer *rd, const char *path)
{
    int w, h;
    if (SDL_GetRendererOutputSize(rd->r, &w, &h) != 0)
        return BORNE_ERR_INTERNAL;
    enum borne_err err = BORNE_OK;
    unsigned char *px = malloc((size_t)w * (size_t)h * 3);
    png_structp png = NULL;
    png_infop info = NULL;
    FILE *fp = NULL;
    if (!px)
        return BORNE_ERR_NOMEM;
    if (SDL_RenderReadPixels(rd->r, NULL, SDL_PIXELFORMAT_RGB24, px, w * 3) != 0) {
        err = BORNE_ERR_INTERNAL;
        goto out;
    }
    fp = fopen(path, "wb");
    if (!fp) {
        err = BORNE_ERR_CANT_OPEN;
        goto out;
    }
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        err = BORNE_ERR_IO;
        goto out;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        png_write_row(png, px + (size_t)y * (size_t)w * 3);
    png_write_end(png, NULL);
out:
    if (png)
        png_destroy_write_struct(&png, info ? &info : NULL);
    if (fp && fclose(fp) != 0 && err == BORNE_OK)
        err = BORNE_ERR_IO;
    free(px);
    return err;
}
