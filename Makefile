# Mutstream: every goal installs what it needs first, so a fresh machine needs only make.
SHELL := /bin/bash
SWIFT_BUILD_FLAGS ?=
DEB_BUILD := libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev \
             libavfilter-dev libavdevice-dev libvpx-dev pkg-config
DEB_TEST  := ffmpeg xxhash prometheus nginx-light iproute2 python3-pip systemd openssl curl ca-certificates
DEB_BENCH := ffmpeg xxhash valgrind time nginx-light wrk
# `mutstream` is a light launcher (the chunker; no libav, no Foundation) that execs the
# `mutstream-media` beside it for every command needing libav: the two always go together.
BIN := .build/release/mutstream
MEDIA_BIN := .build/release/mutstream-media

.PHONY: run transcode-demo test bench build install deps-build deps-test deps-bench clean

# Installs only what is missing, so repeated runs are quick.
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps-build:
	$(call apt_install,$(DEB_BUILD))

deps-test: deps-build
	$(call apt_install,$(DEB_TEST))
	@python3 -c 'import m3u8' 2>/dev/null || pip install -q m3u8

deps-bench: deps-build
	$(call apt_install,$(DEB_BENCH))

build: deps-build
	swift build -c release $(SWIFT_BUILD_FLAGS)

## run: build and serve the built-in demo stream (test pattern + tone, Profiles/default.yaml)
## on port 8080 until Ctrl-C.
run: build
	$(BIN) serve

## transcode-demo: 30 s of the demo source to HLS files in out/demo.
transcode-demo: build
	$(BIN) transcode --profile Profiles/default.yaml --input demo --duration 30 --output out/demo
	@echo "Play it with:  ffplay out/demo/master.m3u8   (or open it in VLC)"

## install: both binaries (mutstream and mutstream-media, side by side), the shipped profiles,
## a sample configuration (kept if present), the systemd unit and the mutstream system user.
## Then: systemctl enable --now mutstream
PREFIX ?= /usr/local
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mutstream
	install -D -m 0755 $(MEDIA_BIN) $(DESTDIR)$(PREFIX)/bin/mutstream-media
	install -d $(DESTDIR)/etc/mutstream/profiles
	install -m 0644 Profiles/*.yaml $(DESTDIR)/etc/mutstream/profiles/
	[ -e $(DESTDIR)/etc/mutstream/mutstream.yaml ] || install -m 0644 Systemd/mutstream.yaml $(DESTDIR)/etc/mutstream/mutstream.yaml
	install -D -m 0644 Systemd/mutstream.service $(DESTDIR)/etc/systemd/system/mutstream.service
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/mutstream/README.md
	id -u mutstream >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin mutstream
	@echo "installed; edit /etc/mutstream/mutstream.yaml, then: systemctl daemon-reload && systemctl enable --now mutstream"

## test: every unit and integration test (the mesh benchmark lives beside the namespace tests
## it shares a lab with; `make -C Benchmarks mesh` runs it).
test: deps-test
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --no-parallel --skip MeshBenchmark $(SWIFT_BUILD_FLAGS)

## bench: the benchmarks under Benchmarks/, each against its reference in the same run.
bench: deps-bench build
	$(MAKE) -C Benchmarks all

clean:
	rm -rf .build out
