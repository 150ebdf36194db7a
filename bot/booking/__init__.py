"""Booking places in offices' special sessions: offices, calendar, storage, reminders, dialogue."""
