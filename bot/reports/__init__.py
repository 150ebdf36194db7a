""" "Thông tin này sai?": citizens report a wrong fact of a catalogue entry in one tap."""
