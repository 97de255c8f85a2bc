FROM python:3.11-slim-bookworm
ENV DO_NOT_TRACK=1 HF_HUB_OFFLINE=1 UNSTRUCTURED_DISABLE_NOTICE=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-spa tesseract-ocr-tur tesseract-ocr-pol \
      poppler-utils libmagic1 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
RUN pip install -c constraints.txt -e . && pip install --no-deps ./scripts/en_core_web_sm_shim
EXPOSE 8050
