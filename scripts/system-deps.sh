#!/usr/bin/env bash
# Install the Debian packages the project needs, only those that are missing (apt-get update first).
set -euo pipefail
PKGS=(redis-server chromium chromium-driver tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng
      tesseract-ocr-spa tesseract-ocr-tur tesseract-ocr-pol poppler-utils libmagic1 fonts-dejavu-core
      maven openjdk-17-jre-headless python3-venv dovecot-imapd slapd ldap-utils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Java and Maven may come from elsewhere (e.g. a JDK on PATH): don't force Debian's then.
if command -v java >/dev/null 2>&1; then missing=("${missing[@]/openjdk-17-jre-headless}"); fi
if command -v mvn >/dev/null 2>&1; then missing=("${missing[@]/maven}"); fi
if python3 -m venv --help >/dev/null 2>&1; then missing=("${missing[@]/python3-venv}"); fi
read -r -a missing <<< "${missing[*]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "system packages: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
