package dns

func routes(mux *http.ServeMux) {
	mux.HandleFunc("/zones/9974d75b-3338-44fe-a179-0134676b1b69/records", listRecords)
	// A KMS key id names a key held elsewhere, not the key.
	kms := kms.DescribeKeyInput{KeyId: aws.String("221c4e00-3f99-41ee-baf2-7f802dc5fd3d")}
	embed := `<object classid="clsid:BAA1C6F1-404B-4EAF-962A-01DEC28753F8"></object>`
}
