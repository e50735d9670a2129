#!/usr/bin/env python3
"""Ladder benchmark: `mutstream transcode` against the ffmpeg CLI doing the same ladder.

Same generated 1080p30 source, same renditions, same encoders and encoder options, both
writing CMAF/HLS. Runs interleaved (A B A B ...), reports medians of source frames per wall
second and CPU-ms per source frame, their ratios, output PSNR per rendition against the
scaled source, and mutstream's peak RSS on the 1080p four-rung profile at two stream
lengths (it must not grow with length).
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("MUTSTREAM_BINARY", os.path.join(ROOT, ".build", "release", "mutstream"))
FPS = 30

# The ladder of Profiles/default.yaml, spelled out for the CLI. Options mirror
# Sources/Pipeline/RenditionPlan.swift: realtime, cpu-used 8, no lag, row-mt, GOP = segment,
# maxrate = 1.5 × bitrate, keyframes forced at every segment start.
RUNGS = [("720p", 1280, 720, 2500), ("480p", 854, 480, 1200), ("360p", 640, 360, 700)]


def run_measured(cmd, **kwargs):
    """Runs cmd; returns (wall seconds, cpu seconds, peak RSS KiB) of that child alone."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def make_source(path, seconds):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate={FPS}",
                    "-f", "lavfi", "-i", "sine=frequency=440:beep_factor=4:sample_rate=48000",
                    "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16",
                    "-g", "60", "-c:a", "aac", "-b:a", "192k", "-shortest", path], check=True)


def cli_command(source, out):
    split = "".join(f"[s{i}]" for i in range(len(RUNGS)))
    graph = f"[0:v]split={len(RUNGS)}{split};" + ";".join(
        f"[s{i}]scale={w}:{h}[v{i}]" for i, (_, w, h, _) in enumerate(RUNGS))
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", source, "-filter_complex", graph]
    for i in range(len(RUNGS)):
        cmd += ["-map", f"[v{i}]"]
    cmd += ["-map", "0:a", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
            "-lag-in-frames", "0", "-row-mt", "1", "-g", "60", "-keyint_min", "60", "-r", str(FPS),
            "-force_key_frames", "expr:gte(t,n_forced*2)"]
    for i, (_, _, _, kbps) in enumerate(RUNGS):
        cmd += [f"-b:v:{i}", f"{kbps}k", f"-maxrate:v:{i}", f"{kbps * 3 // 2}k", f"-bufsize:v:{i}", f"{kbps * 3 // 2}k"]
    stream_map = " ".join(f"v:{i},agroup:aud" for i in range(len(RUNGS))) + " a:0,agroup:aud"
    cmd += ["-c:a", "libopus", "-b:a", "96k", "-f", "hls", "-hls_time", "2", "-hls_segment_type", "fmp4",
            "-hls_playlist_type", "vod", "-master_pl_name", "master.m3u8", "-var_stream_map", stream_map,
            "-hls_segment_filename", f"{out}/%v/seg_%05d.m4s", f"{out}/%v/index.m3u8"]
    return cmd


def mutstream_command(source, out, profile="Profiles/default.yaml", duration=None):
    cmd = [BINARY, "transcode", "--quiet", "--profile", os.path.join(ROOT, profile), "--input", source, "--output", out]
    if duration:
        cmd += ["--duration", str(duration)]
    return cmd


def psnr(rendition_playlist, source, width, height):
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-i", rendition_playlist, "-i", source, "-lavfi",
         f"[1:v]scale={width}:{height}:flags=bicubic[ref];[0:v][ref]psnr", "-f", "null", "-"],
        capture_output=True, text=True)
    match = re.search(r"average:([0-9.]+|inf)", result.stderr)
    return float(match.group(1)) if match else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="source length (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs of each (default 3)")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: run `swift build -c release` first (make bench does)")
    work = tempfile.mkdtemp(prefix="ladder-bench-")
    try:
        source = os.path.join(work, "source.mp4")
        print(f"source: {args.seconds} s of 1080p{FPS} test pattern + tone (x264 crf 16) ...", flush=True)
        make_source(source, args.seconds)
        frames = args.seconds * FPS
        results = {"mutstream": [], "ffmpeg": []}
        for round_number in range(args.rounds):
            for name in ("mutstream", "ffmpeg"):
                out = os.path.join(work, f"{name}-{round_number}")
                os.makedirs(out)
                cmd = mutstream_command(source, out) if name == "mutstream" else cli_command(source, out)
                wall, cpu, rss = run_measured(cmd)
                results[name].append((frames / wall, cpu * 1000 / frames, rss))
                print(f"  round {round_number + 1} {name:9s}: {frames / wall:6.1f} fps  {cpu * 1000 / frames:6.2f} CPU-ms/frame  peak RSS {rss / 1024:.0f} MiB", flush=True)

        def median(name, index):
            return statistics.median(r[index] for r in results[name])

        m_fps, c_fps = median("mutstream", 0), median("ffmpeg", 0)
        m_cpu, c_cpu = median("mutstream", 1), median("ffmpeg", 1)
        print("\nladder: Profiles/default.yaml (VP9 720p/480p/360p + Opus), medians of", args.rounds)
        print(f"{'':12s}{'fps':>10s}{'CPU-ms/frame':>15s}")
        print(f"{'mutstream':12s}{m_fps:10.1f}{m_cpu:15.2f}")
        print(f"{'ffmpeg CLI':12s}{c_fps:10.1f}{c_cpu:15.2f}")
        print(f"{'ratio':12s}{m_fps / c_fps:9.2f}x{m_cpu / c_cpu:14.2f}x   (goal: fps >= 1.15x, CPU <= 0.90x)")

        print("\nPSNR against the scaled source (dB, last round's output):")
        last = args.rounds - 1
        for index, (name, width, height, _) in enumerate(RUNGS):
            ours = psnr(os.path.join(work, f"mutstream-{last}", name, "index.m3u8"), source, width, height)
            theirs = psnr(os.path.join(work, f"ffmpeg-{last}", str(index), "index.m3u8"), source, width, height)
            print(f"  {name}: mutstream {ours:6.2f}  ffmpeg {theirs:6.2f}  difference {ours - theirs:+.2f} (goal >= -0.20)")

        print("\npeak RSS, Profiles/vp9-1080p.yaml (four rungs) on demo:1920x1080@30:")
        peaks = []
        for seconds in (10, 30):
            out = os.path.join(work, f"rss-{seconds}")
            _, _, rss = run_measured(mutstream_command("demo:1920x1080@30", out, "Profiles/vp9-1080p.yaml", seconds))
            peaks.append(rss)
            print(f"  {seconds:3d} s of stream: {rss / 1024:.0f} MiB")
        print(f"  growth from 10 s to 30 s: {peaks[1] / peaks[0]:.2f}x (bounded: ~1.0x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
