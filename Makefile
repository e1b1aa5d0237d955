# ResNet.MLNet — two commands: `make demo` (train + evaluate on Fashion-MNIST) and `make test`.
# Each target installs the Debian packages it needs (idempotent; sudo only when not root).

SHELL := /bin/bash
CONFIG ?= Release
DOTNET ?= dotnet
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

# Native build and test needs: libtorch (C++), the PyTorch/torchvision references, image codecs, the data set.
APT_PACKAGES := cmake g++ make libtorch-dev libgloo-dev python3-torch python3-torchvision python3-numpy python3-sklearn python3-pil python3-onnx \
                libturbojpeg0-dev libpng-dev dataset-fashion-mnist fonts-dejavu-core

.PHONY: deps build test fuzz asan soak demo bench bench-pipeline clean

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
	$(DOTNET) test ResNetMLNet.sln -c $(CONFIG) --no-build --logger "console;verbosity=detailed"

# The mutation fuzzer with many more cases (FUZZ_CASES=1000 is what make test runs; default here 20x that).
FUZZ_CASES ?= 20000
fuzz: build
	FUZZ_CASES=$(FUZZ_CASES) $(DOTNET) test ResNetMLNet.sln -c $(CONFIG) --no-build --filter "FullyQualifiedName~Fuzz" --logger "console;verbosity=detailed"

# The fuzz and limit tests against the native shim built with AddressSanitizer (libasan preloaded into the test host).
ASAN_DIR := artifacts/asan
ASAN_LIB := $(shell gcc -print-file-name=libasan.so)
asan: build
	cmake -S src/ResNet.MLNet/Native -B $(ASAN_DIR)/native -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address -fno-omit-frame-pointer" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address" -Wno-dev >/dev/null
	cmake --build $(ASAN_DIR)/native -j $$(nproc)
	rm -rf $(ASAN_DIR)/tests && cp -r tests/ResNet.MLNet.Tests/bin/$(CONFIG)/net10.0 $(ASAN_DIR)/tests
	cp $(ASAN_DIR)/native/libresnet_native.so $(ASAN_DIR)/tests/libresnet_native.so
	# CoreCLR turns SIGSEGV into NullReferenceException itself; leak reports would list the runtime's own allocations.
	LD_PRELOAD=$(ASAN_LIB) ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:abort_on_error=1 \
	  $(DOTNET) test $(ASAN_DIR)/tests/ResNet.MLNet.Tests.dll --filter "FullyQualifiedName~Fuzz" --logger "console;verbosity=detailed"

# The soak (docs/limits.md): 8 threads x 20,000 predictions of mixed valid and invalid images on a small trained model.
SOAK_DIR ?= /tmp/resnet-mlnet-soak
soak: build
	rm -rf $(SOAK_DIR) && /usr/bin/python3 tests/ResNet.MLNet.Tests/Python/image_folder.py $(SOAK_DIR)/images train 20 0 1 7 8
	$(PIPELINE_CLI) train $(SOAK_DIR)/images --model $(SOAK_DIR)/model.zip --architecture resnet20 --image-size 16 --channels 1 --resizing Fill --epochs 1 --batch-size 16
	$(PIPELINE_CLI) soak $(SOAK_DIR)/model.zip $(SOAK_DIR)/images --threads 8 --predictions 20000

# The main job: train a ResNet on Fashion-MNIST and evaluate it. Options: make demo ARGS="--epochs 15 --augment" (see --help).
demo: build
	$(DOTNET) src/Samples/ResNet.MLNet.Demo/bin/$(CONFIG)/net10.0/resnet-demo.dll $(ARGS)

# Ours vs tuned and plain PyTorch on the same libtorch (fp32 and bf16 rows), interleaved, medians and min-max; writes
# bench/results/latest.json. ARGS="--reps 11", "--threads 1" (a loaded machine) etc. BLAS: Debian's default (docs/benchmarks.md).
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
