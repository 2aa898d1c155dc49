# syntax=docker/dockerfile:1
# trawl's own container image. The builder stage compiles trawl (CPU
# backend) on Debian 12; the runtime stage holds the program, its man page
# and the shared libraries it links, and runs as an unprivileged user.
#
#   docker build --build-arg TRAWL_COMMIT=$(git rev-parse --short=12 HEAD) -t trawl:0.3.0 .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/repo:ro" trawl:0.3.0 scan /repo
#
# The build context holds no .git (.dockerignore), so the commit that
# `trawl --version` names comes from the TRAWL_COMMIT build argument (a
# commit id, not a secret; "unknown" when not given). No credential is
# needed to build from Debian's public mirrors. Behind a package mirror or
# proxy that wants credentials, pass them as a BuildKit secret, which is
# mounted for the one RUN that installs packages and never stored in a
# layer or the build history (an apt auth.conf file):
#
#   docker build --secret id=apt-auth,src=$HOME/.config/apt-auth.conf -t trawl:0.3.0 .
#
# never as a build argument, an environment variable or a copied file.

FROM debian:12-slim AS build
RUN --mount=type=secret,id=apt-auth,target=/etc/apt/auth.conf.d/build.conf \
    apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libgit2-dev libtbb-dev libre2-dev libdeflate-dev zlib1g-dev libssl-dev libarchive-dev \
      libcurl4-openssl-dev libsqlite3-dev libpq-dev libjemalloc-dev \
      nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libthrust-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY patterns patterns
COPY src src
COPY cuda cuda
COPY bench bench
COPY README.md ./
ARG TRAWL_COMMIT=unknown
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRAWL_CUDA=OFF -DTRAWL_BUILD_TESTS=OFF \
      -DTRAWL_COMMIT="${TRAWL_COMMIT}" \
 && cmake --build /build --target trawl trawl_docs \
 && DESTDIR=/install cmake --install /build --prefix /usr --strip

FROM debian:12-slim
RUN --mount=type=secret,id=apt-auth,target=/etc/apt/auth.conf.d/build.conf \
    apt-get update \
 && apt-get install -y --no-install-recommends \
      libgit2-1.5 libtbb12 libre2-9 libdeflate0 libssl3 libtomlplusplus3 libarchive13 \
      libcurl4 libsqlite3-0 libpq5 libjemalloc2 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --shell /usr/sbin/nologin trawl
COPY --from=build /install/usr/ /usr/
USER 10001:10001
WORKDIR /repo
ENTRYPOINT ["trawl"]
CMD ["--help"]
