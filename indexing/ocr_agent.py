"""unstructured's tesseract OCR agent, with one tesseract run per page instead of two.

unstructured 0.27's `OCRAgentTesseract.get_layout_elements_from_image` recognises every page twice: once
for hOCR (word boxes) and once more for plain text (`image_to_string`, used to group the words into
lines and paragraphs). Both outputs come from the same recognition of the same image, and tesseract
writes several renderers from one run (`tesseract img out hocr txt`). `OneRunTesseractAgent` does that:
the same hOCR, the same text, the same zoom rule (a second run only when unstructured's own text-height
rule asks for a zoomed page), about half the CPU. The element building is unstructured's own code.

`indexing.extract` registers it with unstructured (`OCR_AGENT` plus unstructured's module whitelist);
this module imports unstructured's OCR code, so it is only imported when a page is OCRed.
"""

from __future__ import annotations

from typing import Any

from unstructured.partition.utils.ocr_models.tesseract_ocr import OCRAgentTesseract


class OneRunTesseractAgent(OCRAgentTesseract):
    """`OCRAgentTesseract` whose page layout and page text come from a single tesseract run."""

    def _hocr_and_text(self, image: Any) -> tuple[bytes, str]:
        import numpy as np
        import unstructured_pytesseract

        hocr, text = unstructured_pytesseract.run_and_get_multiple_output(
            np.array(image), extensions=["hocr", "txt"], lang=self.language, extra_config="-c hocr_char_boxes=1"
        )
        return hocr, text  # hOCR as bytes, like image_to_pdf_or_hocr (lxml refuses str with an encoding header)

    def get_layout_elements_from_image(self, image: Any) -> Any:
        from unstructured.partition.pdf_image.inference_utils import build_layout_elements_from_ocr_regions

        ocr_regions, ocr_text = self._layout_and_text(image)
        return build_layout_elements_from_ocr_regions(
            ocr_regions=ocr_regions, ocr_text=ocr_text, group_by_ocr_text=True
        )

    def get_layout_from_image(self, image: Any) -> Any:
        return self._layout_and_text(image)[0]

    def _layout_and_text(self, image: Any) -> tuple[Any, str]:
        """unstructured's `get_layout_from_image` (same zoom rule), keeping the text of the first run."""
        import numpy as np
        from unstructured.partition.utils.config import env_config
        from unstructured.partition.utils.constants import IMAGE_COLOR_DEPTH, TESSERACT_MAX_SIZE, TESSERACT_TEXT_HEIGHT
        from unstructured.partition.utils.ocr_models.tesseract_ocr import zoom_image

        threshold = env_config.TESSERACT_CHARACTER_CONFIDENCE_THRESHOLD
        hocr, text = self._hocr_and_text(image)  # text: what image_to_string(image) returns, from the same run
        zoom = 1.0
        # bytes, as unstructured itself passes them (its annotation says str; lxml refuses str with a header)
        ocr_df = self.hocr_to_dataframe(hocr, threshold).dropna()  # type: ignore[arg-type]
        text_height = ocr_df[TESSERACT_TEXT_HEIGHT].quantile(env_config.TESSERACT_TEXT_HEIGHT_QUANTILE)
        if text_height < env_config.TESSERACT_MIN_TEXT_HEIGHT or text_height > env_config.TESSERACT_MAX_TEXT_HEIGHT:
            max_zoom = max(0, np.round(np.sqrt(TESSERACT_MAX_SIZE / np.prod(image.size) / IMAGE_COLOR_DEPTH), 1))
            zoom = min(np.round(env_config.TESSERACT_OPTIMUM_TEXT_HEIGHT / text_height, 1), max_zoom)
            ocr_df = self.image_to_data_with_character_confidence_filter(
                np.array(zoom_image(image, zoom)), lang=self.language, character_confidence_threshold=threshold
            ).dropna()
        return self.parse_data(ocr_df, zoom=zoom), text
