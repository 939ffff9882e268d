# The operator image: one static binary, /ordinal, on a distroless non-root base. The same image runs
# the operator (ordinal manager) and every database pod's init container (ordinal init), which copies
# the binary into the pod for the agent sidecar.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ordinal ./cmd

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ordinal /ordinal
USER 65532:65532
ENTRYPOINT ["/ordinal"]
CMD ["manager"]
