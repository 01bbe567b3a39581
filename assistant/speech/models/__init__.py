"""Speech models: ``catalog`` (the known models, where installed ones are found, validation, sideload
install) and ``download`` (the only module here that touches the network).
"""
