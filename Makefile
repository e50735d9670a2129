# Mutstream: every goal installs what it needs first, so a fresh machine needs only make.
SHELL := /bin/bash
SWIFT_BUILD_FLAGS ?=
DEB_BUILD := libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev \
             libavfilter-dev libavdevice-dev libvpx-dev pkg-config
DEB_TEST  := ffmpeg xxhash
DEB_BENCH := ffmpeg xxhash valgrind time
BIN := .build/release/mutstream

.PHONY: run test bench build deps-build deps-test deps-bench clean

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

deps-bench: deps-build
	$(call apt_install,$(DEB_BENCH))

build: deps-build
	swift build -c release $(SWIFT_BUILD_FLAGS)

## run: build and transcode the built-in demo source (test pattern + tone) to out/demo.
run: build
	$(BIN) transcode --profile Profiles/default.yaml --input demo --duration 30 --output out/demo
	@echo
	@echo "Play it with:  ffplay out/demo/master.m3u8   (or open it in VLC)"

## test: every unit and integration test.
test: deps-test
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build $(SWIFT_BUILD_FLAGS)

## bench: the benchmarks under Benchmarks/, each against its reference in the same run.
bench: deps-bench build
	$(MAKE) -C Benchmarks all

clean:
	rm -rf .build out
