// pkg/images: building small OCI images in code (the pause image, test images) and importing image
// archives into containerd.
export { ImageError, type ImageErrorCode } from './errors';
export { ARCHIVE_PATTERN, CtrImporter, importImageDirectory, type CtrImporterConfig, type ImportSummary } from './image-importer';
export { buildOciImage, ociArch, type BuiltImage, type OciArch, type OciImageSpec } from './oci-image';
export { BUSYBOX_STATIC, buildBusyboxImage, busyboxRootfs, type BusyboxImageOptions } from './busybox-image';
export { pauseExecutable } from './pause-binary';
export { DEFAULT_PAUSE_IMAGE, buildPauseImage } from './pause-image';
export { writeTar, type TarEntry } from './tar-writer';
export { TEST_IMAGES, buildTestImages } from './test-images';
export { credentialsFor, dockerConfigEntries, imageRegistry, podPullCredentials, pullWithCredentials, type RegistryAuth } from './pull-credentials';
