"""Domain exceptions. Each carries a message a clinician can act on.

Pages catch :class:`MedgenError` and show ``str(exc)`` with ``st.error``; anything else is a bug.
"""

from __future__ import annotations


class MedgenError(Exception):
    """Base class: ``str(exc)`` is a complete, user-facing sentence."""

    default_message = "The operation could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class InvalidInputError(MedgenError):
    """An uploaded file cannot be read as a scan."""

    default_message = (
        "This file could not be read as a scan. Upload a DICOM, PNG, JPEG or TIFF image."
    )


class UnsupportedFileError(InvalidInputError):
    """The bytes are not of a format we read (or do not match their extension)."""


class NoPixelDataError(InvalidInputError):
    """A valid DICOM object without an image (SR, SEG, presentation state, ...)."""

    default_message = (
        "This DICOM file holds no image (it may be a report or a segmentation object)."
    )


class UnsupportedTransferSyntaxError(InvalidInputError):
    """The pixel data is encoded in a way no installed decoder handles."""


class FileTooLargeError(InvalidInputError):
    """Upload or archive exceeds a configured limit."""


class ArchiveError(InvalidInputError):
    """A zip upload is unsafe (path traversal, too many entries, decompression bomb) or broken."""


class ModelError(MedgenError):
    """A model is missing, corrupt or cannot be used for this input."""

    default_message = "The model could not be loaded."


class ModelIntegrityError(ModelError):
    """Weights do not match the checksum in their model card."""


class ModalityMismatchError(ModelError):
    """A model was asked to process an image of a modality it was not trained for."""


class GenerationError(MedgenError):
    """Text generation failed or was stopped."""


class StorageError(MedgenError):
    """The database could not be read or written."""

    default_message = "The database could not be reached; nothing was saved. Please try again."


class DatabaseUnavailableError(StorageError):
    """The database server cannot be reached (stopped, restarting, network down) or refused us."""

    default_message = (
        "The database is unavailable (the database server cannot be reached, or the database "
        "file cannot be opened), so nothing was saved. Try again in a minute; if it keeps "
        "happening, ask an administrator to check the database."
    )


class DiskFullError(StorageError):
    """The disk that holds the database (or the data directory) has no space left."""

    default_message = (
        "The server's disk is full, so nothing was saved. Ask an administrator to free disk "
        "space on the server (the data directory or the database disk), then try again."
    )


class AuthError(MedgenError):
    """Sign-in failed, the account is locked, or the user lacks the role for an action."""

    default_message = "You are not allowed to do this."


class PermissionDeniedError(AuthError):
    """The signed-in user's role does not allow the action."""

    default_message = (
        "Your role does not allow this action. Ask an administrator if you need access."
    )


class MoleculeInputError(MedgenError):
    """A request to the drug-design lab cannot be served as given (bad SMILES, range or count)."""

    default_message = "The molecule request is not valid; check the structure and the settings."


class InvalidSmilesError(MoleculeInputError):
    """A SMILES string cannot be parsed into a molecule."""

    default_message = "This is not a valid SMILES structure; check brackets, ring numbers and valences."


class PropertyRangeError(MoleculeInputError):
    """A property filter range is empty, reversed or outside what the property can take."""


class SampleLimitError(MoleculeInputError):
    """More molecules were requested than one call may generate."""


class EncryptionKeyError(MedgenError):
    """The encryption key is missing, malformed, or does not match the data in the database."""

    default_message = (
        "The encryption key does not match this database: check MEDGEN_ENCRYPTION_KEY or restore "
        "the key file (encryption.key in the data directory) from your key backup."
    )


class DecryptionError(StorageError):
    """A stored encrypted value failed its integrity check (altered, truncated or moved)."""

    default_message = (
        "A stored record failed its integrity check (it was altered or copied from another "
        "place) and is not shown. Ask an administrator to restore it from a backup."
    )
