package assistants

// File purposes. The first six may be given on upload (UploadPurposes);
// the *_output and -results purposes are set by the API on files it
// creates.
const (
	PurposeAssistants       = "assistants"
	PurposeBatch            = "batch"
	PurposeFineTune         = "fine-tune"
	PurposeVision           = "vision"
	PurposeUserData         = "user_data"
	PurposeEvals            = "evals"
	PurposeAssistantsOutput = "assistants_output"
	PurposeBatchOutput      = "batch_output"
	PurposeFineTuneResults  = "fine-tune-results"
)

// UploadPurposes are the purposes POST /files accepts.
var UploadPurposes = []string{PurposeAssistants, PurposeBatch, PurposeFineTune, PurposeVision, PurposeUserData, PurposeEvals}

// FilePurposes are the purposes a file object may carry.
var FilePurposes = append(append([]string(nil), UploadPurposes...), PurposeAssistantsOutput, PurposeBatchOutput, PurposeFineTuneResults)

// File statuses (deprecated in the API, still required on the wire).
const (
	FileUploaded  = "uploaded"
	FileProcessed = "processed"
	FileError     = "error"
)

// MaxFileBytes is the largest file the API accepts: 512 MB. It is the
// default of StoreOptions.MaxFileBytes.
const MaxFileBytes = 512 << 20

// MaxStoredFileBytes bounds a file object's bytes in validation: 5 TiB,
// the largest object S3 and R2 store. A Store accepts files up to its
// StoreOptions.MaxFileBytes.
const MaxStoredFileBytes = 5 << 40

// File is the file object ("object":"file"): the file's metadata,
// stored at FileKey; its bytes are at FileBlobKey. expires_at and
// status_details are optional and omitted when unset.
type File struct {
	ID string `json:"id"`
	// Object is "file"; marshalling fills it in when empty.
	Object    string `json:"object"`
	Bytes     int64  `json:"bytes"`
	CreatedAt int64  `json:"created_at"`
	ExpiresAt *int64 `json:"expires_at,omitempty"`
	Filename  string `json:"filename"`
	Purpose   string `json:"purpose"`
	// Status is uploaded, processed or error.
	Status        string `json:"status"`
	StatusDetails string `json:"status_details,omitempty"`

	// Extra holds members this version does not know (see Extra).
	Extra Extra `json:"-"`
}

type fileJSON File

// MarshalJSON writes the file object with its Extra members after the
// known ones.
func (f File) MarshalJSON() ([]byte, error) {
	w := fileJSON(f)
	w.Object = orDefault(w.Object, ObjectFile)
	return marshalObject(&w, f.Extra)
}

// UnmarshalJSON reads a file object, keeping unknown members in Extra.
func (f *File) UnmarshalJSON(data []byte) error {
	var w fileJSON
	extra, err := unmarshalObject(data, &w)
	if err != nil {
		return err
	}
	*f = File(w)
	f.Extra = extra
	return nil
}

// Validate checks the file object: id "file-...", object, bytes
// 0..MaxStoredFileBytes, a filename, a known purpose and status.
func (f *File) Validate() error {
	return firstErr(
		checkID("id", PrefixFile, f.ID),
		checkObject(f.Object, ObjectFile),
		checkFileBytes("bytes", f.Bytes),
		checkTimestamp("created_at", f.CreatedAt),
		checkOptTimestamp("expires_at", f.ExpiresAt),
		checkFilename("filename", f.Filename),
		checkEnum("purpose", f.Purpose, FilePurposes...),
		checkEnum("status", f.Status, FileUploaded, FileProcessed, FileError),
	)
}

// ValidateUploadPurpose checks the purpose of an upload (POST /files).
func ValidateUploadPurpose(purpose string) error {
	return checkEnum("purpose", purpose, UploadPurposes...)
}
