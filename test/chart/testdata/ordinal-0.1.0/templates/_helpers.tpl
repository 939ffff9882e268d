{{/* The chart's name, "ordinal" unless overridden. */}}
{{- define "ordinal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name. A release named "ordinal" gives the same names as
config/default's namePrefix (ordinal-controller-manager, …), so either install path finds the
other's objects.
*/}}
{{- define "ordinal.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "ordinal.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "ordinal.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "ordinal.serviceAccountName" -}}
{{- include "ordinal.fullname" . }}-controller-manager
{{- end }}

{{/* Labels on every object. */}}
{{- define "ordinal.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "ordinal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The operator pods' selector. It is config/default's, without the release: a Deployment's
selector is immutable, and an install that replaces a kustomize one must keep it.
*/}}
{{- define "ordinal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ordinal.name" . }}
app.kubernetes.io/component: operator
{{- end }}

{{/*
The operator image reference. Without a digest: repository:tag, the tag defaulting to the chart's
appVersion, so a default install is pinned. With a digest: repository:tag@digest when a tag is
given, repository@digest when not (the digest alone pins it).
*/}}
{{- define "ordinal.image" -}}
{{- $repo := .Values.image.repository }}
{{- $tag := .Values.image.tag | toString }}
{{- if eq $tag "latest" }}
{{- fail "image.tag=latest: the database pods run the operator's image too, so it must be pinned (a version, or a digest)" }}
{{- end }}
{{- if .Values.image.digest }}
{{- if $tag }}
{{- printf "%s:%s@%s" $repo $tag .Values.image.digest }}
{{- else }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- end }}
{{- else }}
{{- printf "%s:%s" $repo (default .Chart.AppVersion $tag) }}
{{- end }}
{{- end }}
