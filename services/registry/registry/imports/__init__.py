"""Bulk import of 建档立卡 registration forms (贫困户登记表) from CSV and XLSX files."""
