/* Verdict sounds. See sound.h. */
#include "platform/sound.h"

#include <SDL.h>
#include <math.h>
#include <stdlib.h>

struct sound_player {
    SDL_AudioDeviceID dev;
    int16_t buf[SOUND_MAX_SAMPLES];
};

struct note {
    double hz;
    int ms; /* 0 Hz: a silence */
};

/* One note into out from sample `at`, with 5 ms ramps so that it does not click. */
static size_t tone(int16_t *out, size_t at, size_t cap, struct note n, bool square)
{
    size_t len = (size_t)SOUND_RATE * (size_t)n.ms / 1000, ramp = SOUND_RATE / 200;
    for (size_t i = 0; i < len && at + i < cap; i++) {
        double v = 0;
        if (n.hz > 0) {
            double ph = sin(2 * M_PI * n.hz * (double)i / SOUND_RATE);
            v = square ? (ph >= 0 ? 0.6 : -0.6) : ph;
            double env = 1.0;
            if (i < ramp)
                env = (double)i / (double)ramp;
            else if (len - i < ramp)
                env = (double)(len - i) / (double)ramp;
            v *= env * 0.5;
        }
        out[at + i] = (int16_t)(v * 32767);
    }
    return at + len < cap ? at + len : cap;
}

size_t sound_synth(enum sound which, int16_t *out, size_t cap)
{
    static const struct note welcome[] = {{880, 110}, {0, 30}, {1318.5, 180}};
    static const struct note already[] = {{987.8, 220}};
    static const struct note problem[] = {{659.3, 160}, {0, 40}, {440, 260}};
    static const struct note invalid[] = {{196, 180}, {0, 70}, {196, 260}};
    const struct note *notes = NULL;
    size_t n = 0, at = 0;
    bool square = false;
    switch (which) {
    case SOUND_NONE:
        return 0;
    case SOUND_WELCOME:
        notes = welcome, n = sizeof welcome / sizeof welcome[0];
        break;
    case SOUND_ALREADY:
        notes = already, n = sizeof already / sizeof already[0];
        break;
    case SOUND_PROBLEM:
        notes = problem, n = sizeof problem / sizeof problem[0];
        break;
    case SOUND_INVALID:
        notes = invalid, n = sizeof invalid / sizeof invalid[0];
        square = true; /* a buzz: heard as "wrong" across a noisy hall */
        break;
    }
    for (size_t i = 0; i < n; i++)
        at = tone(out, at, cap, notes[i], square);
    return at;
}

struct sound_player *sound_open(void)
{
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        SDL_Log("sound: no audio (%s): verdicts will be silent", SDL_GetError());
        return NULL;
    }
    struct sound_player *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    SDL_AudioSpec want = {
        .freq = SOUND_RATE, .format = AUDIO_S16SYS, .channels = 1, .samples = 1024};
    p->dev = SDL_OpenAudioDevice(NULL, 0, &want, NULL, 0);
    if (!p->dev) {
        SDL_Log("sound: no audio device (%s): verdicts will be silent", SDL_GetError());
        free(p);
        return NULL;
    }
    /* Paused while silent: an unpaused device has SDL's thread feeding it silence forever. */
    return p;
}

void sound_play(struct sound_player *p, enum sound which)
{
    if (!p || which == SOUND_NONE)
        return;
    size_t n = sound_synth(which, p->buf, SOUND_MAX_SAMPLES);
    SDL_ClearQueuedAudio(p->dev);
    SDL_QueueAudio(p->dev, p->buf, (Uint32)(n * sizeof p->buf[0]));
    SDL_PauseAudioDevice(p->dev, 0);
}

void sound_idle(struct sound_player *p)
{
    if (p && SDL_GetAudioDeviceStatus(p->dev) == SDL_AUDIO_PLAYING &&
        SDL_GetQueuedAudioSize(p->dev) == 0)
        SDL_PauseAudioDevice(p->dev, 1);
}

void sound_close(struct sound_player *p)
{
    if (!p)
        return;
    SDL_CloseAudioDevice(p->dev);
    free(p);
}
