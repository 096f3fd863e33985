# syntax=docker/dockerfile:1
# sedna-exporter image: a release build with the Swift runtime linked in
# statically (--static-swift-stdlib), on a minimal non-root runtime image.
#
#   docker build -t sedna-observability/sedna-exporter:0.1.0 .
#   docker run --rm sedna-observability/sedna-exporter:0.1.0 --help
#
# The same binary serves `serve` (the exporter, cloud) and `relay` (edge nodes);
# multi-arch: docker buildx build --platform linux/amd64,linux/arm64 ... (edge
# nodes are often arm64). No Docker engine exists on the project's CI machine:
# CI builds the same static binary with the builder's command below and runs it
# directly (docs/deploy.md, "Image").

ARG SWIFT_IMAGE=swift:6.1-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${SWIFT_IMAGE} AS build
WORKDIR /src
# Dependencies first, so source edits reuse the resolved-package layer.
COPY Package.swift Package.resolved* ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# Build, then collect the shared libraries the binary still needs beyond what
# distroless/cc ships (glibc, libgcc_s, libstdc++): e.g. libz for gzip'd /metrics.
RUN swift build -c release --static-swift-stdlib --product sedna-exporter \
 && mkdir -p /out/lib \
 && cp "$(swift build -c release --show-bin-path)/sedna-exporter" /out/sedna-exporter \
 && strip /out/sedna-exporter \
 && ldd /out/sedna-exporter | awk '/=> \// {print $3}' \
    | grep -Ev '/(libc|libm|libdl|librt|libpthread|libgcc_s|libstdc\+\+|ld-linux[^/]*)\.so' \
    | xargs -r -I{} cp -L {} /out/lib/ \
 && /out/sedna-exporter --help >/dev/null

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/lib/ /usr/local/lib/sedna/
COPY --from=build /out/sedna-exporter /usr/local/bin/sedna-exporter
ENV LD_LIBRARY_PATH=/usr/local/lib/sedna
# 65532 = distroless "nonroot"; the Kubernetes manifests pin the same id.
USER 65532:65532
EXPOSE 9479 9480
ENTRYPOINT ["/usr/local/bin/sedna-exporter"]
CMD ["serve", "--listen", "0.0.0.0:9479"]
