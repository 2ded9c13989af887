# Prenota in a container: the static binary (front-end assets and time zones
# embedded) in an image FROM scratch. See docs/operations.md, "Containers".
#   docker build --build-arg VERSION=1.0.0 -t prenota .
#   docker run -p 127.0.0.1:8080:8080 -v prenota-data:/data prenota

FROM golang:1.26-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum package.json package-lock.json ./
RUN go mod download && npm ci --ignore-scripts
COPY . .
ARG VERSION=dev
RUN web/assets.sh && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/prenota ./cmd/prenota \
 && mkdir -p /out/data && chown 65532:65532 /out/data

FROM scratch
# CA certificates for SMTP over TLS, App IO and OIDC; time zones are in the binary.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/prenota /prenota
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV PRENOTA_ADDR=:8080 PRENOTA_DATABASE_URL=sqlite:/data/prenota.db
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/prenota"]
CMD ["serve"]
