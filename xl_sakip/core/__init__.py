"""The pure domain core: no file formats, no Excel, no printing."""
