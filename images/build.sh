#!/usr/bin/env bash
# Build or push the container image of each pipeline step.
#
# Usage: images/build.sh build|push [STEP...]   (default: all six steps)
#
# Each image is <prefix>/clrec-<step>:<version>, the version taken from
# components/<step>/metadata.yaml and the prefix from $CLREC_IMAGE_PREFIX
# (default docker.io/clrec). The build context is the repository root.
#
# A tag never gets new content:
# - both commands first run the lock check, so a step whose content changed
#   without a version bump stops here;
# - `build` skips a tag that already exists locally, unless REBUILD=1;
# - `push` skips a tag that the registry already has (`docker manifest
#   inspect` finds it); there is no override, so to publish new content,
#   bump the version.
#
# Environment:
#   PYTHON             interpreter with clrec installed (default .venv/bin/python)
#   DOCKER             container CLI (default docker)
#   CLREC_IMAGE_PREFIX registry and namespace of the images (default docker.io/clrec)
#   REBUILD            1 rebuilds tags that exist locally (default 0)
#   DOCKER_BUILD_ARGS  extra `docker build` arguments, for example
#                      "--platform linux/amd64 --build-arg TORCH_IMAGE=..."
set -euo pipefail

cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
DOCKER="${DOCKER:-docker}"
REBUILD="${REBUILD:-0}"
read -r -a extra_build_args <<<"${DOCKER_BUILD_ARGS:-}"

usage() {
    echo "usage: images/build.sh build|push [STEP...]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
command="$1"
shift
case "$command" in
    build | push) ;;
    *) usage ;;
esac

"$PYTHON" -m pipelines.lock check

# One line per step: "<step> <version> <image>".
listing="$("$PYTHON" -m pipelines.lock images)"
if [ $# -gt 0 ]; then
    for requested in "$@"; do
        if ! grep -q "^${requested} " <<<"$listing"; then
            echo "error: unknown step '${requested}'; choose from: $(cut -d' ' -f1 <<<"$listing" | tr '\n' ' ')" >&2
            exit 2
        fi
    done
fi

vcs_ref="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

while read -r step version image; do
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$step"; then
        continue
    fi
    case "$command" in
        build)
            if [ "$REBUILD" != "1" ] && "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
                echo "skip ${image}: it exists locally (REBUILD=1 rebuilds it)"
                continue
            fi
            echo "build ${image}"
            DOCKER_BUILDKIT=1 "$DOCKER" build \
                --file "images/${step}/Dockerfile" \
                --build-arg "COMPONENT_VERSION=${version}" \
                --label "org.opencontainers.image.revision=${vcs_ref}" \
                --tag "$image" \
                "${extra_build_args[@]}" \
                .
            ;;
        push)
            if "$DOCKER" manifest inspect "$image" >/dev/null 2>&1; then
                echo "skip ${image}: the registry already has this tag; bump the version in components/${step}/metadata.yaml to publish new content"
                continue
            fi
            echo "push ${image}"
            "$DOCKER" push "$image"
            ;;
    esac
done <<<"$listing"
