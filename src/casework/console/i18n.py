"""The console's words in Bahasa Indonesia (first) and English.

Templates ask `t("key")`; a key missing here is a bug that the tests catch (they read every
key the templates use), not a blank on a page.
"""

from __future__ import annotations

from collections.abc import Callable

MESSAGES: dict[str, tuple[str, str]] = {
    # The frame of every page
    "console": ("Konsol casework", "casework console"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "nav": ("Navigasi utama", "Main navigation"),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "sign_out": ("Keluar", "Sign out"),
    "language_switch": ("English", "Bahasa Indonesia"),
    "role_finance": ("keuangan", "finance"),
    "role_auditor": ("auditor", "auditor"),
    "role_admin": ("admin", "admin"),
    "as_of_position": ("per posisi", "at position"),
    "figures_as_of": ("Angka per", "Figures as of"),
    "no_events_yet": ("Belum ada kejadian yang diproses.", "No event processed yet."),
    "show": ("Tampilkan", "Show"),
    "next_page": ("Halaman berikutnya", "Next page"),
    "first_page": ("Halaman pertama", "First page"),
    "nothing_found": ("Tidak ada data.", "Nothing found."),
    "all": ("semua", "all"),
    "fix_filters": ("Periksa isian berikut:", "Please correct:"),
    # Sign-in
    "sign_in": ("Masuk", "Sign in"),
    "sign_in_title": ("Masuk ke konsol", "Sign in to the console"),
    "token": ("Token akses", "Access token"),
    "token_hint": (
        "Token dari perintah „casework user add“ (peran keuangan, auditor atau admin).",
        "The token from the command “casework user add” (finance, auditor or admin role).",
    ),
    "unknown-token": (
        "Token tidak dikenal, sudah kedaluwarsa, atau dicabut.",
        "The token is unknown, expired or revoked.",
    ),
    "role-not-allowed": (
        "Kader memakai aplikasi lapangan, bukan konsol ini.",
        "Caseworkers use their field apps, not this console.",
    ),
    "session_ended": (
        "Sesi berakhir. Silakan masuk lagi.",
        "The session has ended. Please sign in again.",
    ),
    "signed_out": ("Anda sudah keluar.", "You have signed out."),
    "forbidden_title": ("Halaman ini bukan untuk peran Anda", "This page is not for your role"),
    "not_found_title": ("Tidak ditemukan", "Not found"),
    "back_home": ("Kembali ke rekonsiliasi", "Back to reconciliation"),
    "form_expired": (
        "Formulir ini tidak berlaku lagi; muat ulang halaman dan coba lagi.",
        "This form is no longer valid; reload the page and try again.",
    ),
    # Pages
    "reconciliation": ("Rekonsiliasi", "Reconciliation"),
    "sources": ("Sumber dana", "Funding sources"),
    "source": ("Sumber dana", "Funding source"),
    "deliveries": ("Penyaluran", "Deliveries"),
    "discrepancies": ("Temuan selisih", "Discrepancies"),
    "audit_trail": ("Jejak audit", "Audit trail"),
    "timeline": ("Riwayat keluarga", "Family timeline"),
    "verification": ("Verifikasi rantai", "Chain verification"),
    "lag": ("Ketertinggalan model baca", "Read-model lag"),
    # Reconciliation
    "fiscal_year": ("Tahun anggaran", "Fiscal year"),
    "kind": ("Jenis", "Kind"),
    "area": ("Wilayah", "Area"),
    "area_hint": ("Kode wilayah, mis. 53.71", "Area code, e.g. 53.71"),
    "as_of": ("Per waktu", "As of"),
    "as_of_hint": ("Kosongkan untuk angka terkini", "Leave empty for the latest figures"),
    "code": ("Kode", "Code"),
    "budget": ("Pagu", "Budget"),
    "received": ("Diterima", "Received"),
    "drawn": ("Tersalur", "Drawn"),
    "voided": ("Dibatalkan", "Voided"),
    "balance": ("Sisa pagu", "Balance"),
    "unreceived": ("Belum diterima", "Unreceived"),
    "deliveries_count": ("Jumlah penyaluran", "Deliveries"),
    "totals": ("Jumlah", "Totals"),
    # Coverage
    "coverage": ("Cakupan", "Coverage"),
    "eligible": ("Sasaran", "Eligible"),
    "served": ("Terlayani", "Served"),
    "not_served": ("Belum terlayani", "Not served"),
    "served_not_eligible": ("Terlayani di luar sasaran", "Served, not eligible"),
    "by_program": ("Per program", "By programme"),
    "by_month": ("Per bulan", "By month"),
    "program": ("Program", "Programme"),
    "period": ("Periode", "Period"),
    "value": ("Nilai", "Value"),
    "download_csv": ("Unduh CSV", "Download CSV"),
    "download_xlsx": ("Unduh Excel", "Download Excel"),
    "chart_of": ("Grafik angka", "Chart of the figures of"),
    "no_sources": ("Belum ada sumber dana.", "No funding source yet."),
    # One source
    "sponsor": ("Pemberi dana", "Sponsor"),
    "reference": ("Referensi", "Reference"),
    "status": ("Status", "Status"),
    "status_open": ("terbuka", "open"),
    "status_closed": ("ditutup", "closed"),
    "receipts": ("Penerimaan dana", "Receipts"),
    "received_on": ("Tanggal terima", "Received on"),
    "recorded_at": ("Dicatat", "Recorded"),
    "actor": ("Pelaku", "Actor"),
    "amount": ("Jumlah", "Amount"),
    "revisions": ("Revisi pagu dan penutupan", "Budget revisions and closure"),
    "reason": ("Alasan", "Reason"),
    "new_budget": ("Pagu baru", "New budget"),
    "budget_revised": ("Revisi pagu", "Budget revised"),
    "closed": ("Ditutup", "Closed"),
    "opened": ("Dibuka", "Opened"),
    "draws_by_month": ("Penyaluran per bulan", "Draws by month"),
    "programs": ("Program", "Programmes"),
    # Deliveries and discrepancies
    "delivery": ("Penyaluran", "Delivery"),
    "family": ("Keluarga", "Family"),
    "delivered_on": ("Tanggal salur", "Delivered on"),
    "status_delivered": ("tersalur", "delivered"),
    "status_active": ("aktif", "active"),
    "status_inactive": ("tidak aktif", "inactive"),
    "status_erased": ("dihapus (UU PDP)", "erased (UU PDP)"),
    "status_departed": ("keluar", "departed"),
    "status_voided": ("dibatalkan", "voided"),
    "position": ("Posisi", "Position"),
    "detail": ("Keterangan", "Detail"),
    "concerns": ("Menyangkut", "Concerns"),
    "period_hint": ("TTTT-BB, mis. 2025-08", "YYYY-MM, e.g. 2025-08"),
    # Audit
    "event_type": ("Jenis kejadian", "Event type"),
    "from": ("Dari", "From"),
    "to": ("Sampai", "To"),
    "time": ("Waktu", "Time"),
    "aggregate": ("Objek", "Aggregate"),
    "version": ("Versi", "Version"),
    "summary": ("Ringkasan", "Summary"),
    "family_id": ("ID keluarga", "Family id"),
    "funding_source_id": ("ID sumber dana", "Funding source id"),
    "open_timeline": ("Buka riwayat", "Open timeline"),
    "as_it_stood": ("Keluarga pada versi", "The family as it stood at version"),
    "show_this_version": ("Lihat keadaan ini", "Show as it stood"),
    "current_state": ("keadaan terkini", "current state"),
    "members": ("Anggota", "Members"),
    "name": ("Nama", "Name"),
    "nik": ("NIK", "NIK"),
    "kk_number": ("Nomor KK", "KK number"),
    "address": ("Alamat", "Address"),
    "sex": ("Jenis kelamin", "Sex"),
    "birth_date": ("Tanggal lahir", "Birth date"),
    "relationship": ("Hubungan", "Relationship"),
    "welfare_desil": ("Desil kesejahteraan", "Welfare decile"),
    "aid_deliveries": ("Bantuan diterima", "Aid deliveries"),
    # Verification and lag
    "run_verification": ("Jalankan verifikasi", "Run verification"),
    "verification_running": ("Verifikasi sedang berjalan…", "Verification is running…"),
    "verification_never": ("Belum pernah dijalankan dari konsol.", "Never run from the console."),
    "last_result": ("Hasil terakhir", "Last result"),
    "chain_ok": ("Rantai utuh", "The chain is intact"),
    "chain_bad": ("Rantai RUSAK", "The chain is BROKEN"),
    "events_checked": ("Kejadian diperiksa", "Events checked"),
    "first_bad_position": ("Posisi rusak pertama", "First bad position"),
    "started_by": ("Dijalankan oleh", "Started by"),
    "started_at": ("Mulai", "Started"),
    "finished_at": ("Selesai", "Finished"),
    "checkpoint": ("Titik periksa (POSITION:HEAD)", "Checkpoint (POSITION:HEAD)"),
    "checkpoint_hint": (
        "Simpan di luar basis data; perintah „casework verify --expect“ membuktikannya nanti.",
        "Keep it outside the database; the command “casework verify --expect” proves it later.",
    ),
    "projection": ("Model baca", "Read model"),
    "head_position": ("Posisi terakhir", "Head position"),
    "lag_events": ("Tertinggal (kejadian)", "Behind (events)"),
    "status_current": ("mutakhir", "current"),
    "status_behind": ("tertinggal", "behind"),
}

LANGUAGE_INDEX = {"id": 0, "en": 1}


def translator(language: str) -> Callable[[str], str]:
    index = LANGUAGE_INDEX.get(language, 0)

    def t(key: str) -> str:
        return MESSAGES[key][index]

    return t
