// The one C header of the project: the libav headers Swift imports, plus inline functions
// for the macros Swift's importer cannot see (function-like macros, and constants built from
// FFERRTAG). Every shim is prefixed `mutstream_` and says why it exists.
#ifndef MUTSTREAM_CFFMPEG_SHIM_H
#define MUTSTREAM_CFFMPEG_SHIM_H

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/mathematics.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

/// AVERROR(e) is a function-like macro: not importable.
static inline int mutstream_averror(int posixError) { return AVERROR(posixError); }

/// AVERROR_EOF is built with FFERRTAG, a function-like macro: not importable.
static inline int mutstream_averror_eof(void) { return AVERROR_EOF; }

/// AVERROR_INVALIDDATA, likewise built with FFERRTAG.
static inline int mutstream_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }

/// AVERROR_EXIT (an interrupt callback asked to stop), likewise.
static inline int mutstream_averror_exit(void) { return AVERROR_EXIT; }

/// AV_NOPTS_VALUE is a cast of a 64-bit literal that Swift imports inconsistently.
static inline int64_t mutstream_nopts(void) { return AV_NOPTS_VALUE; }

/// av_err2str is a macro around a compound literal: not importable.
static inline void mutstream_error_string(int code, char *buffer, size_t size) {
    av_strerror(code, buffer, size);
}

#endif
