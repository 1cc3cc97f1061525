"""Exports of the files officials keep on paper: 户有卡、村有册、乡有簿、县有档 (card, register, book, archive)."""
