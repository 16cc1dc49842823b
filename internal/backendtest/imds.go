package backendtest

import "os"

// DisableEC2Metadata turns off the AWS SDK's EC2 instance metadata
// client for the whole test binary and the processes it starts
// (AWS_EC2_METADATA_DISABLED=true), so that no test ever sends a request
// to 169.254.169.254, whatever credentials the environment lacks. Call
// it first in TestMain of every package whose tests open s3:// or r2://
// buckets through the SDK's default configuration.
func DisableEC2Metadata() {
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
