/* The verdict sounds: short tones made on the spot, no sound files to lose.
**
** Each verdict has its own shape, so that the person at the door hears the answer before
** reading it, and staff across the room hear a problem: welcome rises (two notes up), already
** checked in is one middle note, a problem falls (two notes down), not valid is a low double
** buzz. A kiosk without a sound device (or SDL_AUDIODRIVER=dummy in tests) stays silent. */
#ifndef BORNE_PLATFORM_SOUND_H
#define BORNE_PLATFORM_SOUND_H

#include <stddef.h>
#include <stdint.h>

#include "core/app.h"

#define SOUND_RATE 22050 /* samples per second, mono, signed 16 bits */
#define SOUND_MAX_SAMPLES (SOUND_RATE * 2)

struct sound_player;

/* The samples of a sound into out (at most cap); returns how many. Pure: tests compare them. */
size_t sound_synth(enum sound which, int16_t *out, size_t cap);

/* Open the default audio output; NULL (and a log line) when there is none: the kiosk works
** without sound. */
struct sound_player *sound_open(void);

/* Play a sound now, cutting short the one playing. NULL player or SOUND_NONE: nothing. */
void sound_play(struct sound_player *p, enum sound which);

/* Pause the device once the sound has played (called at each tick; a verdict's screen has a
** deadline, so there is one soon after the sound). */
void sound_idle(struct sound_player *p);

void sound_close(struct sound_player *p);

#endif
