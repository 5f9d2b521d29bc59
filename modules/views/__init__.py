"""Pages of enrolments, classroom sessions with their attendance, visits and projects."""
