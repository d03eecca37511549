# The drift GitHub Action: a slim Python image with drift installed; the runner mounts the
# checkout as the working directory and passes the inputs as INPUT_* variables.
FROM python:3.12-slim

LABEL org.opencontainers.image.title="drift" \
      org.opencontainers.image.description="Directus / SQL schema plan, apply and drift checks for GitHub Actions" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git reads the base branch's schema file for pull requests from forks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git=1:2.* \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md /opt/drift-src/
COPY drift /opt/drift-src/drift
RUN pip install --no-cache-dir /opt/drift-src && rm -rf /opt/drift-src

# No USER and no WORKDIR: container actions run as root in the mounted workspace.
ENTRYPOINT ["drift", "ci"]
