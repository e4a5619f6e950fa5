# Switchboard as a container, from a fresh clone: build the static site, then serve it with nginx.
#
#   docker build -t switchboard .
#   docker run --rm -p 8080:80 switchboard        # then open http://localhost:8080/
#
# Stage 1 runs the same build as `python3 scripts/build.py` on a developer's machine: Python 3 and Node
# from Debian, every downloaded artifact checked against scripts/artifacts.lock.json (sha256), so the
# site it makes is byte-identical to a local build of the same commit (`scripts/verify.py` can tell).
# Stage 2 is the pinned nginx image with the project's nginx.conf (a server block for the image's
# http {}: security headers and the Content-Security-Policy, MIME types, gzip and caching) and that site.
FROM debian:12.12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN python3 scripts/build.py

FROM nginx:1.28.0-alpine
RUN rm -rf /usr/share/nginx/html/*
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /src/dist/ /usr/share/nginx/html/
EXPOSE 80
