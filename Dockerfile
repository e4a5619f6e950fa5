# Switchboard as a container: the built static site, served by nginx with the project's nginx.conf.
#
#   python3 scripts/build.py                      # dist/ first (the image only copies it)
#   docker build -t switchboard .
#   docker run --rm -p 8080:80 switchboard        # then open http://localhost:8080/
#
# nginx.conf is a server block for the image's http {} (it includes conf.d/*.conf): security headers
# and the Content-Security-Policy, MIME types, gzip and caching. docs/deploy.md has a compose example.
FROM nginx:1.28.0-alpine

RUN rm -rf /usr/share/nginx/html/*
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY dist/ /usr/share/nginx/html/

EXPOSE 80
