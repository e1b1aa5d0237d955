# ResNet.MLNet — two commands: `make demo` (train + evaluate on Fashion-MNIST) and `make test`.
# Each target installs the Debian packages it needs (idempotent; sudo only when not root).

SHELL := /bin/bash
CONFIG ?= Release
DOTNET ?= dotnet
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

# Native build and test needs: libtorch (C++), the PyTorch/torchvision references, image codecs, the data set.
APT_PACKAGES := cmake g++ make libtorch-dev libgloo-dev python3-torch python3-torchvision python3-numpy python3-sklearn python3-pil python3-onnx \
                libturbojpeg0-dev libpng-dev dataset-fashion-mnist

.PHONY: deps build test demo bench bench-pipeline clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "Debian packages: all present"; fi

build: deps
	$(DOTNET) build ResNetMLNet.sln -c $(CONFIG)

test: build
	$(DOTNET) test ResNetMLNet.sln -c $(CONFIG) --no-build --logger "console;verbosity=normal"

# The main job: train a ResNet on Fashion-MNIST and evaluate it. Options: make demo ARGS="--epochs 15 --augment" (see --help).
demo: build
	$(DOTNET) src/Samples/ResNet.MLNet.Demo/bin/$(CONFIG)/net10.0/resnet-demo.dll $(ARGS)

# Ours vs PyTorch on the same libtorch, interleaved, medians; writes bench/results/latest.json. ARGS="--reps 11" etc.
# Then ResNet-20 training as 2 ranks x 1 thread vs 1 process x 2 threads (bench/results/distributed-latest.json)
# and the pipeline rows (bench-pipeline below).
bench: build
	$(DOTNET) src/Samples/ResNet.MLNet.Bench/bin/$(CONFIG)/net10.0/resnet-bench.dll $(ARGS)
	$(DOTNET) src/Samples/ResNet.MLNet.Bench/bin/$(CONFIG)/net10.0/resnet-bench.dll distributed
	$(MAKE) --no-print-directory bench-pipeline

# Pipeline rows: JPEG decode+resize 224+normalise img/s (and the multiple of ResNet-18 training throughput it covers),
# and scoring through the transformer vs the raw engine scorer on the same ResNet-18 model.
PIPELINE_CLI := $(DOTNET) src/Samples/ResNet.MLNet.Cli/bin/$(CONFIG)/net10.0/resnet-mlnet.dll
PIPELINE_BENCH_DIR ?= /tmp/resnet-mlnet-bench-pipeline
bench-pipeline: build
	rm -rf $(PIPELINE_BENCH_DIR) && /usr/bin/python3 src/Samples/ResNet.MLNet.Cli/bench_images.py $(PIPELINE_BENCH_DIR)/images 192
	/usr/bin/python3 src/Samples/ResNet.MLNet.Cli/bench_images.py $(PIPELINE_BENCH_DIR)/few 32
	$(PIPELINE_CLI) bench-decode $(PIPELINE_BENCH_DIR)/images --compare-training
	$(PIPELINE_CLI) train $(PIPELINE_BENCH_DIR)/few --model $(PIPELINE_BENCH_DIR)/r18.zip --onnx $(PIPELINE_BENCH_DIR)/r18.onnx --architecture resnet18 --epochs 1 --batch-size 32 --validation-fraction 0
	$(PIPELINE_CLI) bench-score $(PIPELINE_BENCH_DIR)/r18.zip $(PIPELINE_BENCH_DIR)/r18.onnx $(PIPELINE_BENCH_DIR)/images --rounds 3

clean:
	$(DOTNET) clean ResNetMLNet.sln -c $(CONFIG) >/dev/null || true
	find . -name bin -o -name obj -type d -prune -exec rm -rf {} +
