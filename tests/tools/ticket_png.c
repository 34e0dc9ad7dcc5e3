/* ticket_png: draw an ESC/POS job as the paper would look, for the docs and for eyes.
**
**   ticket_png IN.bin OUT.png [58|80]
**
** IN.bin is a job as the kiosk sends it (the printer's file: transport writes one). It is read
** back with the tests' strict decoder (tests/escpos_decode.h), so a job the decoder refuses is
** refused here too, with the offset of the bad command. The picture is the printable width of
** the paper, 384 dots on 58 mm paper and 576 on 80 mm, one pixel per dot: pictures (the QR
** code, the rule) exactly as the printer burns them, and text in Open Sans at the size of Font
** A (12 x 24 dots) times the GS ! multipliers. Open Sans is not the printer's font, so the text
** is a likeness, placed in the cells the printer would use. The paper width is guessed from the
** job (the widest picture or line) unless given.
**
** Exit status: 0 written, 1 bad job or unwritable file, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "escpos_decode.h"

#define FONT_DIR "/usr/share/fonts/truetype/open-sans/"
/* Open Sans at this size fills a 24-dot Font A cell: capitals about 15 dots tall. */
#define FONT_PT 21
#define TOP_MARGIN 16

/* Fonts by size multiplier (1..8) and weight, opened when first needed. */
static TTF_Font *fonts[2][9];

static TTF_Font *font(bool bold, int hmul)
{
    TTF_Font **f = &fonts[bold][hmul];
    if (!*f) {
        *f = TTF_OpenFont(bold ? FONT_DIR "OpenSans-Bold.ttf" : FONT_DIR "OpenSans-Regular.ttf",
                          FONT_PT * hmul);
        if (!*f)
            fprintf(stderr, "ticket_png: %s\n", TTF_GetError());
    }
    return *f;
}

static bool draw_line(SDL_Surface *paper, const struct dec_line *l)
{
    SDL_Rect cell = {l->x, TOP_MARGIN + l->y, l->w < paper->w ? l->w : paper->w, l->h};
    if (l->invert)
        SDL_FillRect(paper, &cell, SDL_MapRGB(paper->format, 0, 0, 0));
    TTF_Font *f = font(l->bold, l->hmul);
    if (!f)
        return false;
    SDL_Color ink = l->invert ? (SDL_Color){255, 255, 255, 255} : (SDL_Color){0, 0, 0, 255};
    SDL_Surface *text = TTF_RenderUTF8_Blended(f, l->text, ink);
    if (!text) {
        fprintf(stderr, "ticket_png: %s\n", TTF_GetError());
        return false;
    }
    /* The font is scaled by the height multiplier; a different width multiplier stretches it,
    ** as the printer stretches its cells. Never wider than the cells the printer uses. */
    int w = text->w * l->wmul / l->hmul;
    if (w > cell.w)
        w = cell.w;
    SDL_Rect to = {cell.x + (cell.w - w) / 2, cell.y + (l->h - text->h) / 2, w, text->h};
    SDL_SetSurfaceBlendMode(text, SDL_BLENDMODE_BLEND);
    int r = w == text->w ? SDL_BlitSurface(text, NULL, paper, &to)
                         : SDL_BlitScaled(text, NULL, paper, &to);
    SDL_FreeSurface(text);
    return r == 0;
}

static void draw_image(SDL_Surface *paper, const struct dec_image *im)
{
    size_t rb = ((size_t)im->w + 7) / 8;
    for (int y = 0; y < im->h; y++) {
        int py = TOP_MARGIN + im->y + y;
        if (py >= paper->h)
            break;
        uint32_t *row = (uint32_t *)((uint8_t *)paper->pixels + (size_t)py * (size_t)paper->pitch);
        for (int x = 0; x < im->w && x < paper->w; x++)
            if (im->bits[(size_t)y * rb + (size_t)x / 8] & (0x80 >> (x % 8)))
                row[x] = SDL_MapRGB(paper->format, 0, 0, 0);
    }
}

/* Row y of the paper in grey: the eye's weights of red, green and blue. */
static void paper_row(const void *ctx, int y, uint8_t *row)
{
    const SDL_Surface *paper = ctx;
    const uint32_t *src =
        (const uint32_t *)((const uint8_t *)paper->pixels + (size_t)y * paper->pitch);
    for (int x = 0; x < paper->w; x++) {
        uint8_t r, g, b;
        SDL_GetRGB(src[x], paper->format, &r, &g, &b);
        row[x] = (uint8_t)((r * 3 + g * 6 + b) / 10);
    }
}

/* Write the paper as an 8-bit grey PNG. */
static bool write_png(SDL_Surface *paper, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "ticket_png: %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = escpos_grey_png_write(f, paper->w, paper->h, paper_row, paper);
    if (fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "ticket_png: %s: cannot write the PNG\n", path);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "58") && strcmp(argv[3], "80"))) {
        fprintf(stderr, "usage: ticket_png IN.bin OUT.png [58|80]\n");
        return 2;
    }
    size_t len = 0;
    uint8_t *data = escpos_job_read("ticket_png", argv[1], &len);
    if (!data)
        return 1;
    int dots =
        argc == 4 ? (strcmp(argv[3], "58") == 0 ? 384 : 576) : escpos_guess_paper_dots(data, len);

    int status = 1;
    SDL_Surface *paper = NULL;
    struct escpos_doc doc;
    bool ttf = false;
    if (!escpos_decode(data, len, dots, &doc)) {
        fprintf(stderr, "ticket_png: %s: not a job this printer would print: %s\n", argv[1],
                doc.error);
        goto out;
    }
    if (TTF_Init() != 0) {
        fprintf(stderr, "ticket_png: %s\n", TTF_GetError());
        goto out;
    }
    ttf = true;
    paper = SDL_CreateRGBSurfaceWithFormat(0, dots, TOP_MARGIN + doc.height, 32,
                                           SDL_PIXELFORMAT_ARGB8888);
    if (!paper) {
        fprintf(stderr, "ticket_png: %s\n", SDL_GetError());
        goto out;
    }
    SDL_FillRect(paper, NULL, SDL_MapRGB(paper->format, 255, 255, 255));
    for (int i = 0; i < doc.n_images; i++)
        draw_image(paper, &doc.images[i]);
    for (int i = 0; i < doc.n_lines; i++)
        if (!draw_line(paper, &doc.lines[i]))
            goto out;
    if (write_png(paper, argv[2]))
        status = 0;
out:
    SDL_FreeSurface(paper);
    for (int b = 0; b < 2; b++)
        for (int h = 0; h < 9; h++)
            if (fonts[b][h])
                TTF_CloseFont(fonts[b][h]);
    if (ttf)
        TTF_Quit();
    escpos_doc_free(&doc);
    free(data);
    return status;
}
