"""Several private files as one ZIP, streamed: never built in memory or on disk.

``zipfile`` writes to a sink that cannot seek (:class:`_Sink`), so every entry carries a
data descriptor (sizes and CRC after the data) and the central directory comes last; the
generator hands on whatever the sink holds after each chunk. Each file is read from
private storage in chunks (:func:`iter_stored_file`: object storage through its streaming
body, a local file through ``read(n)``), so memory stays at a few chunks whatever the
sizes. Entries are stored, not compressed: product files (PDFs, archives, audio, video)
are compressed already, and deflating them would only cost the app server CPU.
"""

import zipfile

from django.utils import timezone

from .storage import get_private_storage

CHUNK_SIZE = 256 * 1024


class _Sink:
    """A write-only, non-seekable file for ``zipfile``: it keeps what was written until
    :meth:`drain` hands it over."""

    def __init__(self):
        self._chunks = []

    def write(self, data):
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def drain(self):
        chunks, self._chunks = self._chunks, []
        return chunks


def iter_stored_file(name, storage=None, chunk_size=CHUNK_SIZE):
    """Yield the bytes of the private file ``name`` in chunks of at most ``chunk_size``.

    In object storage the object's body is read as it arrives (django-storages' own file
    object would first download all of it); elsewhere the storage's file is read in
    chunks. Raises ``FileNotFoundError`` when the file is missing.
    """
    storage = storage or get_private_storage()
    bucket = getattr(storage, "bucket", None)
    if bucket is not None and hasattr(storage, "_normalize_name"):
        from botocore.exceptions import ClientError
        from storages.utils import clean_name

        try:
            body = bucket.Object(storage._normalize_name(clean_name(name))).get()["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(name) from exc
            raise
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(chunk_size):
            yield chunk


def _unique_names(names):
    """Entry names as given, with `` (2)`` before the extension for a repeat."""
    seen = set()
    for name in names:
        candidate, number = name, 2
        while candidate.lower() in seen:
            stem, dot, extension = name.rpartition(".")
            candidate = f"{stem} ({number}).{extension}" if dot and stem else f"{name} ({number})"
            number += 1
        seen.add(candidate.lower())
        yield candidate


def stream_zip(entries, *, folder="", chunk_size=CHUNK_SIZE):
    """Yield a ZIP archive of ``entries`` chunk by chunk.

    ``entries``: ``(name, size, chunks)`` triples, where ``chunks`` is an iterable of the
    file's bytes (e.g. :func:`iter_stored_file`) and ``size`` its expected length (ZIP64
    is used for entries that need it). ``folder``: a folder every entry is put in.
    """
    sink = _Sink()
    entries = list(entries)
    names = _unique_names(name for name, _size, _chunks in entries)
    # ZIP dates are local wall-clock times with no zone.
    stamp = timezone.localtime().timetuple()[:6]
    archive = zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True)
    try:
        for (_name, size, chunks), arcname in zip(entries, names, strict=True):
            info = zipfile.ZipInfo(f"{folder}/{arcname}" if folder else arcname, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = size or 0
            # Read/write permissions for the unpacked file (else some tools make it 000).
            info.external_attr = 0o644 << 16
            with archive.open(info, mode="w", force_zip64=(size or 0) >= zipfile.ZIP64_LIMIT) as entry:
                for chunk in chunks:
                    entry.write(chunk)
                    yield from sink.drain()
            yield from sink.drain()
        archive.close()
        yield from sink.drain()
    finally:
        # A client that went away closes the generator mid-file: drop the archive quietly.
        if archive.fp is not None:
            archive.fp = None
